/// A statement a driver runs on its own, e.g. session settings after connecting or cache upkeep
/// after DDL. It is a real query of the application's process on the application's connection,
/// so Tusk rightly makes a span of it; the tests expect it where the driver runs it.
struct DriverQuery: Sendable {
    enum Position: Sendable {
        /// Right after the connection is set up, before the workload's first statement.
        case afterConnecting
        /// Inside every driver call of this plan step, after the step's own statement.
        case inside(step: String)
    }

    let text: String
    let position: Position
    /// Why the driver sends it (for the reader of a failure).
    let reason: String
}
