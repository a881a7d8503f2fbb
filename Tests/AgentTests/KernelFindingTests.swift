import Testing

@testable import Agent

/// What `tusk check` says of a kernel release on a machine.
struct KernelFindingTests {
    @Test(arguments: [
        ("6.18.44-fc-v1252", "x86_64", Preflight.Finding.Verdict.ok),
        ("6.1.0-57-amd64", "x86_64", .ok),
        ("5.17.0", "x86_64", .warning),
        ("5.15.0-91-generic", "x86_64", .blocker),
        ("6.8.0", "aarch64", .blocker),
        ("unknown", "x86_64", .warning),
    ])
    func whatAKernelReleaseMeans(release: String, machine: String, verdict: Preflight.Finding.Verdict) {
        #expect(Preflight.kernel(release: release, machine: machine).verdict == verdict)
    }
}
