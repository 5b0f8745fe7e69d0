import Foundation
import Testing

@testable import TaskPulseTiming

@Suite("Calendar arithmetic without Foundation's Calendar")
struct LocalDateTests {
    @Test(
        "day numbers round-trip across centuries and leap days",
        arguments: [
            (1970, 1, 1, 0), (2000, 2, 29, 11_016), (2026, 11, 23, 20_780), (1969, 12, 31, -1), (2100, 3, 1, 47_541),
        ])
    func dayNumbers(year: Int, month: Int, day: Int, number: Int) throws {
        let date = try #require(LocalDate(year: year, month: month, day: day))
        #expect(date.dayNumber == number)
        #expect(LocalDate(dayNumber: number) == date)
    }

    @Test("nonexistent dates are refused")
    func invalidDates() {
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2028, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2026, month: 4, day: 31) == nil)
        #expect(LocalDate(year: 2026, month: 13, day: 1) == nil)
        #expect(LocalDate(year: 1900, month: 2, day: 29) == nil)
    }

    @Test("ISO weekdays")
    func weekdays() throws {
        #expect(try #require(LocalDate(year: 2026, month: 11, day: 23)).isoWeekday == 1)  // Monday
        #expect(try #require(LocalDate(year: 2026, month: 11, day: 29)).isoWeekday == 7)  // Sunday
        #expect(try #require(LocalDate(year: 1970, month: 1, day: 1)).isoWeekday == 4)  // Thursday
    }
}

@Suite("Wall-clock times in IANA zones, across DST (DESIGN §3)")
struct ZonedTimeTests {
    let newYork = TimeZone(identifier: "America/New_York")!

    func utc(_ text: String) -> String {
        ZonedTime.local(ZonedTime.instant(LocalDateTime(iso: text)!, in: newYork), in: TimeZone(identifier: "UTC")!)
            .description
    }

    @Test("an ordinary time maps to its offset")
    func ordinary() {
        #expect(utc("2026-11-24T09:00") == "2026-11-24T14:00")
        #expect(utc("2026-07-04T09:00") == "2026-07-04T13:00")
    }

    @Test("a nonexistent time (spring forward) moves forward by the gap")
    func gap() {
        #expect(utc("2026-03-08T02:30") == "2026-03-08T07:30")  // 03:30 EDT
        let local = ZonedTime.local(
            ZonedTime.instant(LocalDateTime(iso: "2026-03-08T02:30")!, in: newYork), in: newYork)
        #expect(local.description == "2026-03-08T03:30")
    }

    @Test("a repeated time (fall back) means the first occurrence")
    func overlap() {
        #expect(utc("2026-11-01T01:30") == "2026-11-01T05:30")  // EDT, not EST's 06:30
    }

    @Test("zone names people recognise")
    func abbreviations() {
        let winter = ZonedTime.instant(LocalDateTime(iso: "2026-11-24T09:00")!, in: newYork)
        #expect(ZonedTime.abbreviation(newYork, at: winter) == "EST")
        #expect(ZonedTime.abbreviation(TimeZone(identifier: "Europe/Berlin")!, at: winter) == "CET")
        #expect(ZonedTime.abbreviation(TimeZone(identifier: "Asia/Dubai")!, at: winter) == "UTC+4")
    }
}
