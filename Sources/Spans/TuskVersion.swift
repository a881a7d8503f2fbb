/// Tusk's version: the instrumentation scope version, the User-Agent, `tusk --version`.
public enum TuskVersion {
    public static let current = "0.1.0"
}
