import Capture
import Glibc

/// The checks behind `tusk check`: kernel, BTF, tracefs, capabilities, and a real load + attach.
public enum Preflight {
    public struct Finding: Sendable, Equatable {
        public enum Verdict: Sendable { case ok, warning, blocker }
        public var verdict: Verdict
        public var message: String

        public init(verdict: Verdict, message: String) {
            self.verdict = verdict
            self.message = message
        }

        public var line: String {
            switch verdict {
            case .ok: return "ok       \(message)"
            case .warning: return "warning  \(message)"
            case .blocker: return "FAIL     \(message)"
            }
        }
    }

    static let minimumKernel = (major: 5, minor: 17)  // bpf_loop; ring buffers need 5.8, BTF 5.4
    /// The oldest kernel the kernel matrix (scripts/kernel-matrix) loads and captures on.
    static let oldestTestedKernel = (major: 6, minor: 1)

    public static func run(options: CaptureOptions) -> [Finding] {
        var findings = [kernel(), btf(), tracefs(), capabilities()]
        if !findings.contains(where: { $0.verdict == .blocker }) {
            findings += programs(options: options)
        }
        return findings
    }

    static func kernel() -> Finding {
        var name = utsname()
        uname(&name)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        return kernel(release: text(name.release), machine: text(name.machine))
    }

    /// What a kernel release on a machine means for Tusk.
    static func kernel(release: String, machine: String) -> Finding {
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else {
            return Finding(verdict: .warning, message: "kernel \(release): version not understood")
        }
        // the programs read x86-64 registers and are compiled for that architecture
        let version = (numbers[0], numbers[1])
        guard version >= (minimumKernel.major, minimumKernel.minor) && machine == "x86_64" else {
            return Finding(
                verdict: .blocker,
                message: "kernel \(release) on \(machine) (Linux ≥ \(minimumKernel.major).\(minimumKernel.minor) on x86_64 required)")
        }
        guard version >= (oldestTestedKernel.major, oldestTestedKernel.minor) else {
            return Finding(
                verdict: .warning,
                message: "kernel \(release) on \(machine): untested (Tusk is tested on Linux \(oldestTestedKernel.major).\(oldestTestedKernel.minor) and later)")
        }
        return Finding(verdict: .ok, message: "kernel \(release) on \(machine)")
    }

    static func btf() -> Finding {
        access("/sys/kernel/btf/vmlinux", R_OK) == 0
            ? Finding(verdict: .ok, message: "kernel BTF at /sys/kernel/btf/vmlinux")
            : Finding(verdict: .blocker, message: "no readable /sys/kernel/btf/vmlinux: a kernel built with CONFIG_DEBUG_INFO_BTF is required")
    }

    static func tracefs() -> Finding {
        for root in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
            if access("\(root)/events/syscalls/sys_enter_read", F_OK) == 0 {
                return Finding(verdict: .ok, message: "syscall tracepoints under \(root)")
            }
            if access(root, F_OK) == 0 && access(root, R_OK | X_OK) != 0 {
                return Finding(verdict: .blocker, message: "\(root) is not readable by this user: run as root")
            }
        }
        return Finding(
            verdict: .blocker,
            message: "syscall tracepoints not found: mount tracefs (mount -t tracefs nodev /sys/kernel/tracing)")
    }

    static func capabilities() -> Finding {
        guard let effective = effectiveCapabilities() else {
            return Finding(verdict: .warning, message: "capabilities unknown (/proc/self/status unreadable)")
        }
        func has(_ bit: UInt64) -> Bool { effective & (1 << bit) != 0 }
        let sysAdmin: UInt64 = 21, bpf: UInt64 = 39, perfmon: UInt64 = 38
        if has(sysAdmin) || (has(bpf) && has(perfmon)) {
            return Finding(verdict: .ok, message: geteuid() == 0 ? "running as root" : "CAP_BPF and CAP_PERFMON present")
        }
        return Finding(verdict: .blocker, message: "missing privileges: run as root or grant CAP_BPF and CAP_PERFMON")
    }

    /// Load and attach the programs; with TLS capture on, put the TLS probes on the system's
    /// OpenSSL too (their absence is a warning: the agent runs without them).
    static func programs(options: CaptureOptions) -> [Finding] {
        do {
            let session = try ProbeSession(options: options)
            try session.attach()
            var findings = [Finding(verdict: .ok, message: "BPF programs load, verify and attach")]
            if options.tls {
                findings.append(tlsProbes(session.attachTLS(to: TLSLibraries.system())))
                findings += tlsFiles(TLSLibraries.find(pids: options.pids))
                findings += goPrograms(GoExecutables.find(pids: options.pids))
            }
            session.detach()
            return findings
        } catch {
            return [Finding(verdict: .blocker, message: "\(error)")]
        }
    }

    static func tlsProbes(_ attachment: TLSAttachment) -> Finding {
        if !attachment.attached.isEmpty {
            return Finding(verdict: .ok, message: "TLS probes attach to \(attachment.attached.joined(separator: ", "))")
        }
        let why = attachment.failures.first ?? "no system libssl found"
        return Finding(verdict: .warning, message: "encrypted connections will be counted, not seen: \(why)")
    }

    /// Where the OpenSSL probes go in the file at `path`, as a clause for its line: a probe on an
    /// instruction the kernel single-steps costs about ten times one it runs in place.
    static func probePlacement(_ path: String) -> String {
        guard let points = OpenSSLProbePoints.of(path: path) else { return "" }
        let shared = [points.sharedRead.map { _ in "read" }, points.sharedWrite.map { _ in "write" }].compactMap { $0 }
        let on = shared.isEmpty ? "" : "; probes on the internal \(shared.joined(separator: " and ")) function\(shared.count > 1 ? "s" : "")"
        if points.singleStepped.isEmpty { return on + "; every probe on an instruction the kernel runs in place" }
        return on + "; single-stepped by the kernel (each call costs a second trap): \(points.singleStepped.joined(separator: ", "))"
    }

    /// The OpenSSL copies running processes use, one line each: what the probes will go on.
    static func tlsFiles(_ files: [TLSLibraries.File]) -> [Finding] {
        let used = files.filter { !$0.processes.isEmpty }
        if used.isEmpty {
            return [Finding(verdict: .ok, message: "TLS: no running process uses OpenSSL yet (files loaded later are probed as they appear)")]
        }
        return used.map { file in
            let kind: String
            switch file.kind {
            case .system: kind = "system libssl"
            case .library: kind = "libssl copy"
            case .program: kind = "program with OpenSSL built in"
            case .goProgram: kind = "Go program"
            }
            let pids = file.processes.prefix(5).map(String.init).joined(separator: ", ")
            let more = file.processes.count > 5 ? ", …" : ""
            // as TLSDiscovery decides: a library only servers use waits for a client to map it
            let serversOnly = file.kind == .library && file.processes.allSatisfy { TLSLibraries.runsPostgreSQLServer(pid: $0) }
            return Finding(
                verdict: .ok,
                message: "TLS: \(kind) \(TLSLibraries.displayPath(file.path)) used by \(file.processes.count) process(es) (pid \(pids)\(more))"
                    + (serversOnly ? "; only PostgreSQL servers use it: left unprobed with --side client, probed with server or both" : "")
                    + (file.kind == .goProgram ? "" : probePlacement(file.path)))
        }
    }

    /// The Go executables running processes use that link crypto/tls, one line each: probeable,
    /// or why not (a warning: their encrypted connections will be counted, not seen).
    static func goPrograms(_ found: [GoExecutables.Found]) -> [Finding] {
        found.compactMap { program in
            let pids = program.pids.prefix(5).map(String.init).joined(separator: ", ")
            let more = program.pids.count > 5 ? ", …" : ""
            let path = TLSLibraries.displayPath(program.path)
            if case .probeable(let binary) = program.inspection {
                return Finding(
                    verdict: .ok,
                    message: "TLS: Go program \(path) (\(binary.goVersion)) used by \(program.pids.count) process(es) (pid \(pids)\(more))")
            }
            guard let reason = program.inspection.unprobeableReason else { return nil }
            return Finding(verdict: .warning, message: "TLS: Go program \(path) (pid \(pids)\(more)): \(reason)")
        }
    }

    private static func effectiveCapabilities() -> UInt64? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("CapEff:") {
                return UInt64(String(text.dropFirst(7).filter(\.isHexDigit)), radix: 16)
            }
        }
        return nil
    }
}
