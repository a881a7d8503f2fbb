import Foundation

/// A Go toolchain Go programs are built with: Debian's (`/usr/bin/go`, Go 1.19) or one of the
/// releases scripts/setup-go installs from PyPI under /opt/tusk-go/<version>.
public struct GoToolchain: Sendable, Hashable, CustomStringConvertible {
    /// `debian`, or a release such as `1.24.11`.
    public var name: String
    public var go: String

    public var description: String { name }

    public static let debian = GoToolchain(name: "debian", go: "/usr/bin/go")

    /// Where scripts/setup-go puts the releases.
    public static let installRoot = "/opt/tusk-go"

    /// The releases scripts/go-toolchains lists, installed or not.
    public static let releases: [GoToolchain] = {
        let list = TestEnvironment.packageRoot.path + "/scripts/go-toolchains"
        let text = (try? String(contentsOfFile: list, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { GoToolchain(name: $0, go: "\(installRoot)/\($0)/bin/go") }
    }()

    /// Why this toolchain cannot build here, or nil when it can.
    public var unavailable: String? {
        FileManager.default.isExecutableFile(atPath: go) ? nil : "\(go) missing (scripts/setup-go installs it)"
    }

    /// `go version`'s version, e.g. `go1.19.8`.
    public func version() throws -> String {
        let result = try ChildProcess.run(go, ["version"])
        return String(result.output.split(separator: " ").dropFirst(2).first ?? "")
    }
}
