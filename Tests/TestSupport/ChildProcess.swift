import Foundation

/// Runs a client program (psql, pgbench, python3, …) to completion: its pid, exit status, output
/// and the wall time it took, so spans can be attributed and their durations bounded.
public struct ChildProcess: Sendable {
    public let pid: Int32
    public let status: Int32
    public let output: String
    public let errorOutput: String
    public let elapsedNanoseconds: UInt64

    public static func run(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        let started = monotonicNanoseconds()
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // read both pipes while the child runs, so a large output cannot block it
        let errorData = Mutex2<Data>(Data())
        let errorReader = Thread { errorData.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return ChildProcess(
            pid: process.processIdentifier,
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            errorOutput: String(decoding: errorData.value, as: UTF8.self),
            elapsedNanoseconds: monotonicNanoseconds() - started)
    }
}

/// A value written once by another thread.
final class Mutex2<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    private var written = false

    init(_ value: Value) { stored = value }

    func set(_ value: Value) {
        lock.lock()
        stored = value
        written = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return written
    }

    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
