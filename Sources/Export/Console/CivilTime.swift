/// A Unix time as a UTC calendar date and time of day, for timestamps written by hand.
struct CivilTime {
    let year: Int64
    let month: Int64
    let day: Int64
    let secondOfDay: Int64

    init(unixNanoseconds: UInt64) {
        let seconds = Int64(unixNanoseconds / 1_000_000_000)
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        secondOfDay = seconds - days * 86400
        // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
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
}
