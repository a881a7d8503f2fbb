import Foundation

/// The Python interpreter every test runs its helper programs with (the OTLP receiver, the
/// workloads, the sessions), so they all see the packages scripts/setup installed.
extension TestEnvironment {
    /// The project's environment, `.venv/bin/python3` (scripts/setup-python makes it and installs
    /// every requirements file into it), when present; else the first `python3` on PATH.
    public static let python: String = {
        let project = packageRoot.appendingPathComponent(".venv/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: project) { return project }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/python3"
    }()
}
