import Foundation

/// A minimal HTTP/1.1 client over a TCP socket (GET/POST, Connection: close), enough to talk to
/// the agent's endpoints and the test OTLP receiver without depending on libcurl.
public enum HTTPRequest {
    public struct Response: Sendable {
        public let status: Int
        public let body: String
    }

    public static func get(port: Int, path: String) throws -> Response {
        try send(port: port, head: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", body: [])
    }

    public static func postJSON(port: Int, path: String, json: String) throws -> Response {
        let body = Array(json.utf8)
        return try send(
            port: port,
            head: "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n",
            body: body)
    }

    private static func send(port: Int, head: String, body: [UInt8]) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RequestError(message: "socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RequestError(message: "connect to port \(port): errno \(errno)") }
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RequestError(message: "write: \(errno)") }
            sent += n
        }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n"), let statusLine = text.split(separator: "\r\n").first else {
            throw RequestError(message: "malformed response: \(text.prefix(200))")
        }
        let status = Int(statusLine.split(separator: " ")[1]) ?? 0
        var content = String(text[headEnd.upperBound...])
        if text[..<headEnd.lowerBound].lowercased().contains("transfer-encoding: chunked") {
            content = dechunk(content)
        }
        return Response(status: status, body: content)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8.prefix(size))
            out += String(decoding: bytes, as: UTF8.self)
            rest = rest[rest.utf8.index(start, offsetBy: size)...].dropFirst(2)
        }
        return out
    }

    public struct RequestError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
