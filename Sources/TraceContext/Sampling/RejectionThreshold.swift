// The 56-bit rejection threshold a trace-id-ratio sampler compares trace randomness against.
//
// The OpenTelemetry specification (trace/sdk.md "TraceIdRatioBased", status Development, and
// trace/tracestate-probability-sampling.md) defines TraceIdRatioBased by consistent probability
// sampling: randomness R is the explicit `rv` of the OpenTelemetry tracestate or else the least
// significant 56 bits of the trace id (W3C Trace Context Level 2 randomness); the rejection
// threshold is T = (1 - ratio) × 2^56; a span is sampled when R ≥ T. This replaces the classic,
// never-specified algorithms (several SDKs compared the trace id's lower 8 bytes with
// ratio × 2^63 or 2^64), so decisions agree with SDKs that follow the current text.
//
// Ratio → threshold follows the specification's reference algorithm with the recommended default
// precision of 4 hex digits, raised by one digit per four binary orders of magnitude below 1/2 so
// that small ratios keep 4 significant digits: 0.5 → 8, 0.1 → e666, 0.01 → fd70a (each padded with
// zeros to 14 hex digits).

/// A rejection threshold: the number of the 2^56 possible randomness values that are not sampled.
public struct RejectionThreshold: Sendable, Hashable {
    /// 0 (sample all) … 2^56 (sample none).
    public var value: UInt64

    /// Randomness is 56 bits: the low 7 bytes of the trace id, or `rv`.
    public static let randomnessMask: UInt64 = (1 << 56) - 1
    public static let sampleAll = RejectionThreshold(value: 0)
    /// No 56-bit randomness reaches it: nothing is sampled.
    public static let sampleNone = RejectionThreshold(value: 1 << 56)

    public init(value: UInt64) {
        self.value = value
    }

    /// The threshold for a sampling ratio. Ratios at or below 0 sample nothing; ratios between
    /// 0 and 2^-56, the smallest the specification allows, count as 2^-56.
    public init(ratio: Double, precision: Int = 4) {
        guard !ratio.isNaN, ratio < 1 else {
            self = .sampleAll
            return
        }
        guard ratio > 0 else {
            self = .sampleNone
            return
        }
        let probability = max(ratio, 0x1p-56)
        // frexp's exponent: probability = m × 2^e with m in [0.5, 1).
        let binaryExponent = Int(probability.exponent) + 1
        let extraDigits = Int((Double(binaryExponent) / -4).rounded(.down))
        let digits = max(1, min(12, precision + extraDigits))
        // 2 - p lies in [1, 2), where a Double's 52 fraction bits are 13 hex digits of 1 - p;
        // adding half of the last kept digit rounds instead of truncating.
        let rejection = 2 - probability + Double(sign: .plus, exponent: -4 * digits - 1, significand: 1)
        let fraction: UInt64 = rejection >= 2 ? (1 << 52) - 1 : rejection.significandBitPattern
        let kept = fraction >> UInt64(52 - 4 * digits)
        value = kept << UInt64(56 - 4 * digits)
    }

    /// Whether randomness (56 bits) passes the threshold.
    public func samples(randomness: UInt64) -> Bool {
        randomness & Self.randomnessMask >= value
    }

    /// The OpenTelemetry tracestate `th` sub-key value: 14 hex digits without trailing zeros, `0`
    /// for sample-all; nil for sample-none, which is not a probability.
    public var traceStateValue: String? {
        guard value < 1 << 56 else { return nil }
        guard value != 0 else { return "0" }
        var digits = String(value, radix: 16)
        digits = String(repeating: "0", count: 14 - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return digits
    }

    /// The sampling probability the threshold stands for: (2^56 - T) / 2^56.
    public var probability: Double {
        Double((1 << 56) - min(value, 1 << 56)) / 0x1p56
    }
}
