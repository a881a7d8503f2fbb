import ArgumentParser
import Capture

/// What the kernel programs capture: shared by `tusk run` and `tusk check`, so that a check
/// verifies the programs as the agent will load them.
struct CaptureFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "client: the application's side of connections (CLIENT spans); server: the PostgreSQL backend's side (SERVER spans, Tusk next to the database); both.",
        valueName: "side"))
    var side: CaptureOptions.Side = .client

    @Option(help: ArgumentHelp("Bytes of query text captured per request (64-16384).", valueName: "n"))
    var maxQueryBytes: Int = CaptureOptions.default.maxQueryBytes

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "See encrypted connections: uprobes on OpenSSL's SSL_read/SSL_write hand over their plaintext (--no-tls: they are only counted)."))
    var tls = true

    @Option(help: ArgumentHelp(
        "Most OpenSSL files (libraries, programs with it built in) the TLS probes go on, 1-\(ProbeSession.maxTLSFiles); each costs 8 uprobes.",
        valueName: "n"))
    var maxTLSFiles: Int = ProbeSession.maxTLSFiles

    @Option(help: ArgumentHelp(
        "Scoped (--pid, --cgroup, --scope pod): most processes the TLS probes go on at once, each alone, 1-\(ProbeSession.maxTLSProcesses); each costs up to 10 uprobes per OpenSSL file it uses.",
        valueName: "n"))
    var maxTLSProcesses: Int = 256

    @Flag(help: ArgumentHelp(
        "Scoped: put the OpenSSL probes on each file, for every process that maps it, as an unscoped agent does (no start-up window for new processes, but every process mapping the file traps, in scope or not)."))
    var tlsProbesPerFile = false

    func validate() throws {
        guard CaptureOptions.queryBytesRange.contains(maxQueryBytes) else {
            throw ValidationError("--max-query-bytes must be within \(CaptureOptions.queryBytesRange)")
        }
        guard (1...ProbeSession.maxTLSFiles).contains(maxTLSFiles) else {
            throw ValidationError("--max-tls-files must be within 1...\(ProbeSession.maxTLSFiles)")
        }
        guard (1...ProbeSession.maxTLSProcesses).contains(maxTLSProcesses) else {
            throw ValidationError("--max-tls-processes must be within 1...\(ProbeSession.maxTLSProcesses)")
        }
    }

    /// The default options with these flags applied.
    var options: CaptureOptions {
        var options = CaptureOptions.default
        options.side = side
        options.maxQueryBytes = maxQueryBytes
        options.tls = tls
        options.tlsProbesPerFile = tlsProbesPerFile
        return options
    }
}
