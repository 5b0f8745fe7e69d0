import Foundation
import PropertyBased
import Testing

import TaskPulseDomain
@testable import TaskPulseTiming

@Suite("Repeat rules: occurrences in a zone, across DST (DESIGN §2, §3)")
struct RecurrenceTests {
    let newYork = TimeZone(identifier: "America/New_York")!

    func at(_ text: String, _ zone: TimeZone? = nil) -> Date {
        ZonedTime.instant(LocalDateTime(iso: text)!, in: zone ?? newYork)
    }

    func local(_ instant: Date, _ zone: TimeZone? = nil) -> String {
        ZonedTime.local(instant, in: zone ?? newYork).description
    }

    func upcoming(_ rrule: String, time: String, from now: String, count: Int = 3, zone: TimeZone? = nil) -> [String] {
        let rule = Recurrence(rrule: rrule)!
        let clock = LocalTime(hour: Int(time.prefix(2))!, minute: Int(time.suffix(2))!)!
        let zone = zone ?? newYork
        let start = at(now, zone)
        guard let first = RecurrenceCalculator.first(rule: rule, zone: zone, time: clock, after: start) else { return [] }
        let calculator = RecurrenceCalculator(rule: rule, zone: zone, time: clock, anchor: ZonedTime.local(first, in: zone).date)
        return ([first] + calculator.upcoming(after: first, count: count - 1)).map { local($0, zone) }
    }

    @Test("RRULE text round-trips")
    func rruleRoundTrip() throws {
        for text in ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=DAILY;UNTIL=20261231",
                     "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3", "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=10", "FREQ=DAILY;INTERVAL=3;X-AFTER-DONE=1"] {
            #expect(try #require(Recurrence(rrule: text)).rrule == text)
        }
        #expect(Recurrence(rrule: "FREQ=SECONDLY") == nil)
    }

    @Test("weekday, interval, month-day, nth-weekday and yearly rules", arguments: [
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "07:00", "2026-11-27T10:00", ["2026-11-30T07:00", "2026-12-01T07:00", "2026-12-02T07:00"]),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "19:00", "2026-11-25T10:00", ["2026-12-01T19:00", "2026-12-15T19:00", "2026-12-29T19:00"]),
        ("FREQ=MONTHLY;BYMONTHDAY=31", "09:00", "2026-11-23T10:00", ["2026-12-31T09:00", "2027-01-31T09:00", "2027-03-31T09:00"]),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "09:00", "2027-01-30T10:00", ["2027-01-31T09:00", "2027-02-28T09:00", "2027-03-31T09:00"]),
        ("FREQ=MONTHLY;BYDAY=2TU", "09:00", "2026-11-23T10:00", ["2026-12-08T09:00", "2027-01-12T09:00", "2027-02-09T09:00"]),
        ("FREQ=MONTHLY;BYDAY=-1FR", "09:00", "2026-11-23T10:00", ["2026-11-27T09:00", "2026-12-25T09:00", "2027-01-29T09:00"]),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "09:00", "2026-11-23T10:00", ["2028-02-29T09:00", "2032-02-29T09:00", "2036-02-29T09:00"]),
        ("FREQ=DAILY;UNTIL=20261125", "07:00", "2026-11-23T10:00", ["2026-11-24T07:00", "2026-11-25T07:00"]),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA", "08:00", "2026-11-28T09:00", ["2026-11-30T08:00", "2026-12-01T08:00", "2026-12-02T08:00"]),
    ])
    func rules(rrule: String, time: String, now: String, expected: [String]) {
        #expect(upcoming(rrule, time: time, from: now) == expected)
    }

    @Test("every day 7am stays 7am local across both DST changes")
    func wallClockAcrossDST() {
        let fall = upcoming("FREQ=DAILY", time: "07:00", from: "2026-10-31T09:00", count: 2)
        #expect(fall == ["2026-11-01T07:00", "2026-11-02T07:00"])
        let spring = upcoming("FREQ=DAILY", time: "07:00", from: "2026-03-07T09:00", count: 2)
        #expect(spring == ["2026-03-08T07:00", "2026-03-09T07:00"])
    }

    @Test("an occurrence inside the spring-forward gap moves forward by the gap")
    func gapOccurrence() {
        #expect(upcoming("FREQ=DAILY", time: "02:30", from: "2026-03-07T09:00", count: 3)
            == ["2026-03-08T03:30", "2026-03-09T02:30", "2026-03-10T02:30"])
    }

    @Test("every 3 hours is elapsed time, even across DST")
    func hourly() {
        let rule = Recurrence(frequency: .hourly, interval: 3)
        let start = at("2026-03-08T00:30")
        let calculator = RecurrenceCalculator(
            rule: rule, zone: newYork, time: LocalTime(hour: 0, minute: 30)!, anchor: LocalDate(year: 2026, month: 3, day: 8)!)
        let next = calculator.upcoming(after: start, count: 2)
        #expect(next.map { $0.timeIntervalSince(start) } == [3 * 3600, 6 * 3600])
    }

    @Test("completion-based repeats count from the completion")
    func afterCompletion() {
        let rule = Recurrence(frequency: .daily, interval: 3, afterCompletion: true)
        let calculator = RecurrenceCalculator(
            rule: rule, zone: newYork, time: LocalTime(hour: 9, minute: 0)!, anchor: LocalDate(year: 2026, month: 11, day: 1)!)
        #expect(local(calculator.nextAfterCompletion(at: at("2026-11-23T18:00"))) == "2026-11-26T09:00")
    }

    static let zones = ["America/New_York", "Europe/London", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo",
                        "Asia/Kolkata", "Pacific/Auckland", "America/St_Johns", "Asia/Tehran", "Pacific/Chatham"]
    static let rules = ["FREQ=DAILY", "FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU",
                        "FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYDAY=2TU",
                        "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=HOURLY;INTERVAL=5",
                        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"]

    @Test("properties: after now, never inside a DST gap, strictly increasing")
    func occurrenceProperties() async {
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 0...(RecurrenceTests.zones.count - 1)), Gen.int(in: 0...(RecurrenceTests.rules.count - 1)),
            Gen.int(in: 1_600_000_000...2_100_000_000), Gen.int(in: 0...23), Gen.int(in: 0...59)
        ) { zoneIndex, ruleIndex, seconds, hour, minute in
            let zoneID = RecurrenceTests.zones[zoneIndex]
            let rrule = RecurrenceTests.rules[ruleIndex]
            let zone = TimeZone(identifier: zoneID)!
            let rule = Recurrence(rrule: rrule)!
            let time = LocalTime(hour: hour, minute: minute)!
            let now = Date(timeIntervalSince1970: TimeInterval(seconds))
            guard let first = RecurrenceCalculator.first(rule: rule, zone: zone, time: time, after: now) else {
                Issue.record("no occurrence for \(rrule) in \(zoneID)")
                return
            }
            #expect(first > now)
            let calculator = RecurrenceCalculator(rule: rule, zone: zone, time: time, anchor: ZonedTime.local(first, in: zone).date)
            let series = [first] + calculator.upcoming(after: first, count: 6)
            for (earlier, later) in zip(series, series.dropFirst()) { #expect(earlier < later) }
            guard rule.frequency != .hourly else { return }
            for occurrence in series {
                // Reading the occurrence's wall time back gives the same instant: it is a real local
                // time (not in a gap) and, when repeated, its first occurrence.
                let wall = ZonedTime.local(occurrence, in: zone)
                #expect(ZonedTime.instant(wall, in: zone) == occurrence.addingTimeInterval(
                    -occurrence.timeIntervalSince1970.truncatingRemainder(dividingBy: 60)))
                // The wall time is the rule's time, or later by a DST gap when that time did not exist.
                let shift = wall.time.minuteOfDay - time.minuteOfDay
                #expect(shift == 0 || (shift > 0 && shift <= 60) || (shift < 0 && shift + 1440 <= 60),
                        "\(rrule) \(zoneID) \(time) -> \(wall)")
            }
        }
    }
}
