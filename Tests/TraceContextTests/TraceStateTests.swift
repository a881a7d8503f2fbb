import Testing
@testable import TraceContext

/// W3C tracestate values (https://www.w3.org/TR/trace-context-2/#tracestate-header).
struct TraceStateTests {
    @Test(arguments: [
        ("rojo=00f067aa0ba902b7", "rojo=00f067aa0ba902b7"),
        ("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
        ("  rojo=1 , congo=2\t", "rojo=1 , congo=2"),
        ("rojo=1,,congo=2", "rojo=1,,congo=2"),
        ("rojo=1, ,congo=2", "rojo=1, ,congo=2"),
        ("fw529a3039@dt=1", "fw529a3039@dt=1"),
        ("0a_-*/@=x", "0a_-*/@=x"),
        ("k= leading spaces kept", "k= leading spaces kept"),
        ("k=!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~", "k=!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~"),
        ("ot=th:8;rv:7479cfb506891d", "ot=th:8;rv:7479cfb506891d"),
    ])
    func keepsAValidValue(text: String, value: String) {
        #expect(TraceState(text)?.value == value)
    }

    @Test(arguments: [
        "",
        " , ,",
        "rojo",
        "rojo=",
        "=1",
        "Rojo=1",
        "_rojo=1",
        "ro jo=1",
        "rojo=1=2",
        "rojo=a\tb",
        "rojo=é",
        "rojo=1,rojo=2",
        "rojo=1;congo=2",
    ])
    func dropsAMalformedValue(text: String) {
        #expect(TraceState(text) == nil)
    }

    @Test func allowsThirtyTwoMembersButNotThirtyThree() {
        let members = (0..<33).map { "k\($0)=v" }
        #expect(TraceState(members.prefix(32).joined(separator: ",")) != nil)
        #expect(TraceState(members.joined(separator: ",")) == nil)
    }

    @Test func allowsFiveHundredTwelveBytesButNotMore() {
        // "a=" and 510 value bytes make 512.
        #expect(TraceState("a=" + String(repeating: "x", count: 254) + ",b=" + String(repeating: "y", count: 253)) != nil)
        let long = (0..<3).map { "k\($0)=" + String(repeating: "v", count: 168) }.joined(separator: ",")
        #expect(long.utf8.count == 515)
        #expect(TraceState(long) == nil)
    }

    @Test func boundsKeyAndValueLengths() {
        #expect(TraceState("k=" + String(repeating: "v", count: 256)) != nil)
        #expect(TraceState("k=" + String(repeating: "v", count: 257)) == nil)
        #expect(TraceState(String(repeating: "k", count: 256) + "=v") != nil)
        #expect(TraceState(String(repeating: "k", count: 257) + "=v") == nil)
    }

    @Test func findsAMember() throws {
        let state = try #require(TraceState("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE "))
        #expect(state.member("congo") == "t61rcWkgMzE")
        #expect(state.member("rojo") == "00f067aa0ba902b7")
        #expect(state.member("ro") == nil)
    }

    @Test(arguments: [
        ("ot=rv:7479cfb506891d", UInt64?(0x7479_cfb5_0689_1d)),
        ("rojo=1,ot=th:8;rv:00000000000001", 1),
        ("ot=th:8", nil),
        ("ot=rv:7479cfb506891", nil),
        ("ot=rv:7479cfb506891d0", nil),
        ("ot=rv:7479CFB506891D", nil),
        ("rojo=rv:7479cfb506891d", nil),
    ])
    func readsTheOpenTelemetryRandomness(text: String, randomness: UInt64?) throws {
        let state = try #require(TraceState(text))
        #expect(state.explicitRandomness == randomness)
    }
}
