import Foundation
import Testing

@testable import TaskPulseTiming

@Suite("Finding and resolving date/time phrases (DESIGN §2)")
struct WhenPhraseTests {
    let zone = TimeZone(identifier: "America/New_York")!
    /// Monday 2026-11-23 10:15 in New York.
    var now: Date { ZonedTime.instant(LocalDateTime(iso: "2026-11-23T10:15")!, in: zone) }

    func resolve(_ text: String, order: DateOrder = .monthFirst) throws -> (
        due: String?, remind: String?, title: String
    ) {
        let tokens = Token.tokenize(text)
        let (phrase, consumed) = WhenPhraseScanner(dateOrder: order).scan(tokens)
        let title = Token.join(tokens.enumerated().filter { !consumed.contains($0.offset) }.map(\.element))
        let schedule = try ScheduleResolver(zone: zone).resolve(phrase, now: now)
        return (
            schedule.map { ZonedTime.local($0.dueAt, in: zone).description },
            schedule?.remindAt.map { ZonedTime.local($0, in: zone).description }, title
        )
    }

    @Test(
        "phrases anywhere in the text, the rest is the title",
        arguments: [
            ("call mom tomorrow 9am", "2026-11-24T09:00", "call mom"),
            ("tomorrow at 8am move the car", "2026-11-24T08:00", "move the car"),
            ("lunch at noon tomorrow", "2026-11-24T12:00", "lunch"),
            ("check oven in 20 min", "2026-11-23T10:35", "check oven"),
            ("follow up in 3 days", "2026-11-26T10:15", "follow up"),
            ("gym friday 7am", "2026-11-27T07:00", "gym"),
            ("standup monday 9am", "2026-11-30T09:00", "standup"),
            ("brunch next monday 11am", "2026-11-30T11:00", "brunch"),
            ("movie tonight", "2026-11-23T20:00", "movie"),
            ("dentist dec 3 2pm", "2026-12-03T14:00", "dentist"),
            ("party 12/3 5pm", "2026-12-03T17:00", "party"),
            ("call at 9", "2026-11-23T21:00", "call"),
        ])
    func phrases(text: String, due: String, title: String) throws {
        let result = try resolve(text)
        #expect(result.due == due)
        #expect(result.title == title)
    }

    @Test("deadlines are due at 23:59 and remind at the morning time")
    func deadlines() throws {
        let result = try resolve("essay by friday")
        #expect(result.due == "2026-11-27T23:59")
        #expect(result.remind == "2026-11-27T09:00")
        #expect(try resolve("slides eod").due == "2026-11-23T17:00")
    }

    @Test("a bare number is a time only after 'at' or a day word")
    func bareNumbers() throws {
        let result = try resolve("buy 2 apples")
        #expect(result.due == nil)
        #expect(result.title == "buy 2 apples")
        #expect(try resolve("call mom tomorrow 9").due == "2026-11-24T09:00")
    }

    @Test("this weekend on a Saturday after its time means Sunday")
    func weekendRollsForward() throws {
        let saturday = ZonedTime.instant(LocalDateTime(iso: "2026-11-28T10:00")!, in: zone)
        let (phrase, _) = WhenPhraseScanner(dateOrder: .monthFirst).scan(Token.tokenize("x this weekend 8am"))
        let schedule = try #require(try ScheduleResolver(zone: zone).resolve(phrase, now: saturday))
        #expect(ZonedTime.local(schedule.dueAt, in: zone).description == "2026-11-29T08:00")
        #expect(try resolve("x this weekend").due == "2026-11-28T09:00")
    }

    @Test("'by' without a date stays in the title")
    func byWithoutDate() throws {
        let result = try resolve("stop by the bank")
        #expect(result.due == nil)
        #expect(result.title == "stop by the bank")
    }

    @Test("slash dates follow the zone's date order")
    func slashDates() throws {
        #expect(try resolve("x 5/1 10am", order: .dayFirst).due == "2027-01-05T10:00")
        #expect(try resolve("x 5/1 10am", order: .monthFirst).due == "2027-05-01T10:00")
    }

    @Test("impossible and past dates are refused")
    func refusals() {
        #expect(throws: ScheduleError.badDate) { try resolve("x feb 30 3pm") }
        #expect(throws: ScheduleError.badDate) { try resolve("x 4/31 9am") }
        #expect(throws: ScheduleError.pastDate) { try resolve("x 2025-03-01 5pm") }
    }
}
