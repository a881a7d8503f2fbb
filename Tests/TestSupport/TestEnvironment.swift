import Foundation

/// What the machine offers the tests, and whether a missing piece may be skipped.
/// `.ci/run` sets TUSK_NO_SKIP=1: then nothing is skipped, and a missing kernel feature or
/// PostgreSQL fails the test instead, so CI cannot go green without the real paths.
public enum TestEnvironment {
    public static let noSkip = ProcessInfo.processInfo.environment["TUSK_NO_SKIP"] == "1"

    /// Why eBPF tests cannot run here, or nil when they can.
    public static let ebpfUnavailable: String? = {
        if geteuid() != 0 { return "eBPF tests need root (or CAP_BPF + CAP_PERFMON)" }
        if !FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux") { return "no kernel BTF" }
        if !FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events/syscalls")
            && !FileManager.default.fileExists(atPath: "/sys/kernel/debug/tracing/events/syscalls") {
            return "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)"
        }
        return nil
    }()

    /// Why PostgreSQL tests cannot run here, or nil when they can.
    public static let postgresUnavailable: String? = {
        let bins = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        if bins.isEmpty { return "PostgreSQL server binaries not installed (apt-get install postgresql)" }
        if !FileManager.default.fileExists(atPath: "/usr/bin/psql") { return "psql not installed" }
        return nil
    }()

    /// Runs the test when the kernel allows it, or when skipping is forbidden (then it fails loudly).
    public static var canRunEBPF: Bool {
        if let reason = ebpfUnavailable, !noSkip {
            print("SKIPPED eBPF test: \(reason) — set TUSK_NO_SKIP=1 to make this a failure")
            return false
        }
        return true
    }

    public static var canRunIntegration: Bool {
        guard canRunEBPF else { return false }
        if let reason = postgresUnavailable, !noSkip {
            print("SKIPPED PostgreSQL test: \(reason) — set TUSK_NO_SKIP=1 to make this a failure")
            return false
        }
        return true
    }

    /// The package root (tests run from anywhere).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()
}
