/// What to do after an export attempt, per the OTLP/HTTP specification: retry 429, 502, 503, 504
/// and connection failures with exponential backoff and jitter, honouring Retry-After; never retry
/// any other status. A pure value: time and randomness come in as arguments.
public struct RetryPolicy: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case status(Int, retryAfter: String?)
        /// No HTTP answer: refused, reset, timed out.
        case connectionFailure
    }

    public enum Decision: Sendable, Equatable {
        case delivered
        case retry(after: Duration)
        /// A status the specification says not to retry.
        case rejected(status: Int)
        /// Retries ran out of time.
        case exhausted
    }

    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Double
    /// Each delay is scaled by a factor in [1 − jitter, 1 + jitter].
    public var jitter: Double
    /// A batch is given up after retrying this long.
    public var maxElapsed: Duration
    /// Retry-After values are capped to this.
    public var maxRetryAfter: Duration

    public static let `default` = RetryPolicy(
        initialBackoff: .milliseconds(500), maxBackoff: .seconds(30), multiplier: 2, jitter: 0.2,
        maxElapsed: .seconds(120), maxRetryAfter: .seconds(300))

    public static let retryableStatuses: Set<Int> = [429, 502, 503, 504]

    public init(
        initialBackoff: Duration, maxBackoff: Duration, multiplier: Double, jitter: Double, maxElapsed: Duration,
        maxRetryAfter: Duration
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxElapsed = maxElapsed
        self.maxRetryAfter = maxRetryAfter
    }

    /// - Parameters:
    ///   - attempt: attempts made so far, the one that produced `outcome` included (1 for the first).
    ///   - elapsed: time since the first attempt began.
    ///   - nowUnixSeconds: the wall clock, for Retry-After given as an HTTP-date.
    ///   - random: uniform in [0, 1), for the jitter.
    public func decide(
        _ outcome: Outcome, attempt: Int, elapsed: Duration, nowUnixSeconds: Int64, random: Double
    ) -> Decision {
        var delay: Duration
        switch outcome {
        case .status(let code, _) where (200..<300).contains(code):
            return .delivered
        case .status(let code, let retryAfter):
            guard Self.retryableStatuses.contains(code) else { return .rejected(status: code) }
            delay = backoff(attempt: attempt, random: random)
            if let retryAfter, let asked = RetryAfter.delay(retryAfter, nowUnixSeconds: nowUnixSeconds) {
                delay = min(asked, maxRetryAfter)
            }
        case .connectionFailure:
            delay = backoff(attempt: attempt, random: random)
        }
        return elapsed + delay > maxElapsed ? .exhausted : .retry(after: delay)
    }

    /// initial × multiplier^(attempt−1), capped, then jittered.
    public func backoff(attempt: Int, random: Double) -> Duration {
        var base = Double(initialBackoff.components.seconds) + Double(initialBackoff.components.attoseconds) / 1e18
        let cap = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) / 1e18
        for _ in 1..<max(1, attempt) {
            base *= multiplier
            if base >= cap { break }
        }
        base = min(base, cap)
        let factor = 1 - jitter + 2 * jitter * min(max(random, 0), 1)
        return .nanoseconds(Int64(base * factor * 1e9))
    }
}
