import Testing

@testable import Agent

/// The agent notices when the process that started it is gone.
struct ParentWatchdogTests {
    @Test func theParentIsGoneOnceTheProcessIsReparented() {
        #expect(!ParentWatchdog(parent: 100, currentParent: { 100 }).parentIsGone)
        #expect(ParentWatchdog(parent: 100, currentParent: { 1 }).parentIsGone)
    }
}
