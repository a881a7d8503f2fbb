// UTC calendar dates and Unix time, both ways (Howard Hinnant's algorithms, proleptic Gregorian):
// console timestamps are written from it and Retry-After dates read into it.

/// A UTC calendar date and time of day.
struct CivilTime: Equatable {
    let year: Int64
    let month: Int64
    let day: Int64
    let secondOfDay: Int64

    init(year: Int64, month: Int64, day: Int64, secondOfDay: Int64) {
        self.year = year
        self.month = month
        self.day = day
        self.secondOfDay = secondOfDay
    }

    init(unixNanoseconds: UInt64) {
        let seconds = Int64(unixNanoseconds / 1_000_000_000)
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        secondOfDay = seconds - days * 86400
        // civil date from days since 1970-01-01
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    var unixSeconds: Int64 {
        // days since 1970-01-01 from the civil date
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86400 + secondOfDay
    }
}
