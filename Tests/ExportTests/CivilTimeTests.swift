@testable import Export
import Testing

/// Calendar dates from Unix time and back: console timestamps go one way, Retry-After dates the other.
struct CivilTimeTests {
    @Test(arguments: [
        (Int64(0), Int64(1970), Int64(1), Int64(1), Int64(0)),
        (951_782_400, 2000, 2, 29, 0),  // a leap day in a leap century
        (946_684_799, 1999, 12, 31, 86399),
        (1_709_164_805, 2024, 2, 29, 5),
        (4_107_542_400, 2100, 3, 1, 0),  // 2100 is no leap year: March follows February 28
    ])
    func convertsBothWays(unixSeconds: Int64, year: Int64, month: Int64, day: Int64, secondOfDay: Int64) {
        let civil = CivilTime(unixNanoseconds: UInt64(unixSeconds) * 1_000_000_000 + 999_999_999)
        #expect(civil == CivilTime(year: year, month: month, day: day, secondOfDay: secondOfDay))
        #expect(civil.unixSeconds == unixSeconds)
    }
}
