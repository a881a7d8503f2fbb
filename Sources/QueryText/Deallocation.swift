// A statement telling PostgreSQL to forget prepared statements, reported so the caller forgets them too.

/// Prepared statements a statement removes: `DEALLOCATE name`, `DEALLOCATE ALL`, and `DISCARD ALL`
/// (which includes `DEALLOCATE ALL`; connection poolers send it between clients).
public enum Deallocation: Sendable, Hashable {
    /// Every prepared statement of the session.
    case all
    /// One prepared statement, named as PostgreSQL resolves it (unquoted names folded to lower case).
    case named(String)
}
