import Export
import Testing

/// The OTLP retry rules as a pure value: which outcomes retry, how the delay grows, Retry-After.
struct RetryPolicyTests {
    let policy = RetryPolicy.default
    let now: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT

    func decide(_ outcome: RetryPolicy.Outcome, attempt: Int = 1, elapsed: Duration = .zero, random: Double = 0.5) -> RetryPolicy.Decision {
        policy.decide(outcome, attempt: attempt, elapsed: elapsed, nowUnixSeconds: now, random: random)
    }

    @Test(arguments: [200, 202, 204])
    func successIsDelivered(status: Int) {
        #expect(decide(.status(status, retryAfter: nil)) == .delivered)
    }

    @Test(arguments: [429, 502, 503, 504])
    func throttlingAndUnavailableRetry(status: Int) {
        #expect(decide(.status(status, retryAfter: nil)) == .retry(after: .milliseconds(500)))
    }

    @Test(arguments: [400, 401, 403, 404, 413, 500, 501, 505])
    func everyOtherStatusIsRejectedWithoutRetry(status: Int) {
        #expect(decide(.status(status, retryAfter: nil)) == .rejected(status: status))
    }

    @Test func connectionFailuresRetry() {
        #expect(decide(.connectionFailure) == .retry(after: .milliseconds(500)))
    }

    @Test func backoffDoublesUpToTheCap() {
        let delays = (1...9).map { policy.backoff(attempt: $0, random: 0.5) }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)])
    }

    @Test func jitterStaysWithinTwentyPercent() {
        #expect(policy.backoff(attempt: 3, random: 0) == .milliseconds(1600))
        #expect(policy.backoff(attempt: 3, random: 0.999_999_999) == .nanoseconds(2_399_999_999))
    }

    @Test func retryAfterInSecondsIsHonoured() {
        #expect(decide(.status(503, retryAfter: "7")) == .retry(after: .seconds(7)))
        #expect(decide(.status(429, retryAfter: " 0 ")) == .retry(after: .zero))
    }

    @Test func retryAfterAsAnHTTPDateIsHonoured() {
        #expect(decide(.status(503, retryAfter: "Sun, 06 Nov 1994 08:50:07 GMT")) == .retry(after: .seconds(30)))
        // a date in the past means now
        #expect(decide(.status(503, retryAfter: "Sun, 06 Nov 1994 08:00:00 GMT")) == .retry(after: .zero))
    }

    @Test func anUnreadableRetryAfterFallsBackToTheBackoff() {
        #expect(decide(.status(503, retryAfter: "soon")) == .retry(after: .milliseconds(500)))
    }

    @Test func retryAfterIsCappedAndCountsAgainstTheBudget() {
        var patient = policy
        patient.maxElapsed = .seconds(1000)
        #expect(patient.decide(.status(503, retryAfter: "86400"), attempt: 1, elapsed: .zero, nowUnixSeconds: now, random: 0.5) == .retry(after: .seconds(300)))
        // with the default two-minute budget a five-minute wait is not worth it
        #expect(decide(.status(503, retryAfter: "86400")) == .exhausted)
    }

    @Test func retriesStopWhenTheElapsedBudgetIsSpent() {
        #expect(decide(.status(503, retryAfter: nil), attempt: 8, elapsed: .seconds(100)) == .exhausted)
        #expect(decide(.status(503, retryAfter: nil), attempt: 3, elapsed: .seconds(100)) == .retry(after: .seconds(2)))
    }

    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", Int64(784_111_777)),  // IMF-fixdate
        ("Sunday, 06-Nov-94 08:49:37 GMT", Int64(784_111_777)),  // RFC 850
        ("Sun Nov  6 08:49:37 1994", Int64(784_111_777)),  // asctime
        ("Thu, 01 Jan 1970 00:00:00 GMT", Int64(0)),
        ("Wed, 25 Nov 2026 21:39:34 GMT", Int64(1_795_642_774)),
    ])
    func httpDatesParse(text: String, seconds: Int64) {
        #expect(RetryAfter.httpDate(text) == seconds)
    }

    @Test(arguments: ["", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "yesterday"])
    func malformedDatesDoNotParse(text: String) {
        #expect(RetryAfter.httpDate(text) == nil)
    }
}
