import ASCII

/// The Retry-After header (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in IMF-fixdate,
/// the obsolete RFC 850 form, or asctime.
public enum RetryAfter {
    /// How long to wait; nil when the value is not understood. A date in the past means now.
    public static func delay(_ value: String, nowUnixSeconds: Int64) -> Duration? {
        let trimmed = String(value.trimmingOWS)
        if let seconds = Int64(trimmed), seconds >= 0 {
            return .seconds(seconds)
        }
        guard let date = httpDate(trimmed) else { return nil }
        return .seconds(max(0, date - nowUnixSeconds))
    }

    /// Seconds since the Unix epoch of an HTTP-date (always GMT).
    public static func httpDate(_ text: String) -> Int64? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var day: Int?, month: Int?, year: Int?, time: String?
        switch words.count {
        case 4 where words[3] == "GMT" && words[1].contains("-"):
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let parts = words[1].split(separator: "-")
            guard parts.count == 3 else { return nil }
            day = Int(parts[0])
            month = months[String(parts[1])]
            year = Int(parts[2]).map { $0 < 70 ? 2000 + $0 : ($0 < 100 ? 1900 + $0 : $0) }
            time = words[2]
        case 5 where words[4] != "GMT":
            // asctime: Sun Nov  6 08:49:37 1994
            month = months[words[1]]
            day = Int(words[2])
            time = words[3]
            year = Int(words[4])
        case 6 where words[5] == "GMT":
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            day = Int(words[1])
            month = months[words[2]]
            year = Int(words[3])
            time = words[4]
        default:
            return nil
        }
        guard let day, let month, let year, let time, (1...31).contains(day) else { return nil }
        let clock = time.split(separator: ":").compactMap { Int64($0) }
        guard clock.count == 3, clock[0] < 24, clock[1] < 60, clock[2] < 61 else { return nil }
        return CivilTime(
            year: Int64(year), month: Int64(month), day: Int64(day),
            secondOfDay: clock[0] * 3600 + clock[1] * 60 + clock[2]
        ).unixSeconds
    }

    private static let months: [String: Int] = [
        "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
        "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
    ]
}
