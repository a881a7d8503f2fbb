import Testing

@testable import Agent

/// `--listen HOST:PORT`, IPv6 in brackets.
struct ListenAddressTests {
    @Test func hostAndPortIncludingIPv6() {
        #expect(ListenAddress("127.0.0.1:9464") == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(ListenAddress("[::1]:9464").map { ($0.host, $0.port) } ?? ("", 0) == ("::1", 9464))
        #expect(ListenAddress("0.0.0.0:0")?.port == 0)
        for invalid in ["9464", ":9464", "host:", "host:65536", "host:-1", "[]:1"] {
            #expect(ListenAddress(invalid) == nil, "\(invalid)")
        }
    }
}
