import Glibc
import Logging

/// Logs go to standard error; standard output carries the console spans.
enum Logging {
    static func make(label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }

    /// One line on standard error.
    static func note(_ message: String) {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// One clear line on standard error and a non-zero exit.
    static func fail(_ message: String) -> Never {
        note(message)
        exit(1)
    }
}
