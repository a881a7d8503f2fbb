import Foundation

/// Go programs built at test time in GOPATH mode from Debian's golang-*-dev packages (no module
/// proxy): `go build` with the packages under /usr/share/gocode, each build once per test process,
/// by Debian's Go or another toolchain (GoToolchain).
public enum GoProgram {
    public static let go = GoToolchain.debian.go

    /// Why Go programs cannot be built here, or nil when they can.
    public static let unavailable: String? = {
        if !FileManager.default.fileExists(atPath: go) { return "go not installed (golang-go)" }
        for (package, debian) in [
            ("github.com/jackc/pgx/v4", "golang-github-jackc-pgx-v4-dev"), ("github.com/lib/pq", "golang-github-lib-pq-dev"),
        ] where !FileManager.default.fileExists(atPath: "/usr/share/gocode/src/" + package) {
            return "\(package) missing (\(debian))"
        }
        return nil
    }()

    /// Runs the test when Go programs can be built, or when skipping is forbidden (then it fails).
    public static var canBuild: Bool {
        if let reason = unavailable, !TestEnvironment.noSkip {
            print("SKIPPED Go test: \(reason) — set TUSK_NO_SKIP=1 to make this a failure")
            return false
        }
        return true
    }

    private static let lock = NSLock()
    private nonisolated(unsafe) static var built: [String: String] = [:]

    /// Builds `source` (a main package: a .go file or a directory) with extra `go build` flags into
    /// a scratch directory and returns the executable's path. The same source, flags and toolchain
    /// build once.
    public static func build(_ source: String, flags: [String] = [], toolchain: GoToolchain = .debian) throws -> String {
        if let reason = toolchain.unavailable { throw InteractiveProcess.ProcessError(message: reason) }
        let key = ([toolchain.name, source] + flags).joined(separator: " ")
        lock.lock()
        defer { lock.unlock() }
        if let path = built[key] { return path }
        let scratch = NSTemporaryDirectory() + "tusk-go-\(getpid())-\(built.count)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let output = scratch + "/" + URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let result = try ChildProcess.run(
            toolchain.go, ["build"] + flags + ["-o", output, source],
            environment: [
                // GOTOOLCHAIN: the toolchain itself, never one it would download
                "GO111MODULE": "off", "GOPATH": "\(scratch)/gopath:/usr/share/gocode", "GOFLAGS": "", "GOTOOLCHAIN": "local",
                // kept between runs: the packages compile once
                "GOCACHE": NSTemporaryDirectory() + "tusk-client-tests-go-cache", "HOME": NSTemporaryDirectory(),
            ])
        guard result.status == 0 else {
            throw InteractiveProcess.ProcessError(message: "go build \(source): \(result.output)\(result.errorOutput)")
        }
        built[key] = output
        return output
    }

    /// `go version`'s version, e.g. `go1.19.8`.
    public static func version() throws -> String {
        try GoToolchain.debian.version()
    }
}
