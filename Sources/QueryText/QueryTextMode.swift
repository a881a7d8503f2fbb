// How much of the captured SQL text becomes db.query.text.

/// What `db.query.text` carries (semantic conventions v1.44.0, database-spans.md, "Sanitization of
/// `db.query.text`": non-parameterized text is collected by default only with every literal redacted).
public enum QueryTextMode: String, Sendable, CaseIterable {
    /// Every literal replaced by `?`, lists of literals after `IN` collapsed to `(?)`; `$n`
    /// parameters, identifiers, keywords (including NULL, TRUE, FALSE) and comments kept. The default.
    case sanitized
    /// The text as captured: the user opted in to literal values leaving the host.
    case raw
    /// No text at all; summary, operation and names are still derived.
    case off
}
