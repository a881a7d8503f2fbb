import CTuskRecord

/// Who a process is, as the kernel read it from the process itself at its first PostgreSQL
/// connection (a `.process` record): what /proc/PID/exe, cmdline and environ would say, kept for
/// when the process is gone before /proc is read.
public struct ProcessSnapshot: Sendable, Equatable {
    public var pid: Int32
    /// The kernel's command name (`comm`).
    public var command: String
    /// The executable's path from the root of its file system; nil when it is deeper than the
    /// kernel follows.
    public var executablePath: String?
    /// The executable's own name.
    public var executableName: String?
    public var arguments: [String]
    /// KEY=value entries; cut short when the block was longer than the kernel copies.
    public var environment: [String]
    /// The process's cgroup v2 id (0: unknown).
    public var cgroupID: UInt64

    public init(
        pid: Int32, command: String, executablePath: String?, executableName: String?, arguments: [String], environment: [String],
        cgroupID: UInt64 = 0
    ) {
        self.pid = pid
        self.command = command
        self.executablePath = executablePath
        self.executableName = executableName
        self.arguments = arguments
        self.environment = environment
        self.cgroupID = cgroupID
    }

    static let nameSize = Int(TUSK_PATH_NAME)
    static let depth = Int(TUSK_PATH_DEPTH)

    /// The snapshot a `.process` record carries (bpf/tusk_record.h: the path's names leaf first in
    /// fixed slots, then arguments and environment); nil for any other record.
    public init?(_ record: CapturedRequest) {
        guard record.kind == .process else { return nil }
        let text = record.text
        var names: [String] = []
        for slot in 0..<Self.depth {
            let start = slot * Self.nameSize
            guard start < text.count else { break }
            let field = text[start..<min(start + Self.nameSize, text.count)]
            let name = field[..<(field.firstIndex(of: 0) ?? field.endIndex)]
            if name.isEmpty { break }
            names.append(String(decoding: name, as: UTF8.self))
        }
        let area = Self.depth * Self.nameSize
        let block = text.count > area ? text[area...] : []
        let argumentsEnd = block.startIndex + min(record.argumentsLength, block.count)
        func strings(_ bytes: ArraySlice<UInt8>) -> [String] {
            bytes.split(separator: 0, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
        }
        self.init(
            pid: record.pid, command: record.threadName,
            // every slot full: the path may go on above what the kernel followed
            executablePath: names.isEmpty || names.count == Self.depth ? nil : "/" + names.reversed().joined(separator: "/"),
            executableName: names.first,
            arguments: strings(block[..<argumentsEnd]),
            // the environment was cut where the copy ended: its last entry may be partial
            environment: Array(strings(block[argumentsEnd...]).dropLast(record.textTotal > block.count ? 1 : 0)),
            cgroupID: record.cgroupID)
    }
}
