/// How the console exporter writes spans: a readable line, or one JSON object per line.
public enum ConsoleFormat: String, Sendable, CaseIterable {
    case text
    case json
}
