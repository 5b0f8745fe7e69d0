import TaskPulseDomain
import Testing

@testable import TaskPulseTiming

@Suite("Repeat rules in a few words, for replies")
struct RecurrenceDescriptionTests {
    @Test(
        "daily, weekly, monthly, yearly and hourly rules",
        arguments: [
            ("FREQ=DAILY", "every day"),
            ("FREQ=DAILY;INTERVAL=3", "every 3 days"),
            ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
            ("FREQ=WEEKLY;BYDAY=SA,SU", "every weekend"),
            ("FREQ=WEEKLY;BYDAY=MO,TH", "every Mon and Thu"),
            ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "every Mon, Wed and Fri"),
            ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "every 2 weeks on Tue"),
            ("FREQ=WEEKLY", "every week"),
            ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", "every day"),
            ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA", "every day except Sun"),
            ("FREQ=MONTHLY;BYMONTHDAY=1", "every month on the 1st"),
            ("FREQ=MONTHLY;BYMONTHDAY=22", "every month on the 22nd"),
            ("FREQ=MONTHLY;BYMONTHDAY=-1", "every month on the last day"),
            ("FREQ=MONTHLY;BYDAY=2TU", "every 2nd Tue of the month"),
            ("FREQ=MONTHLY;BYDAY=-1FR", "every last Fri of the month"),
            ("FREQ=MONTHLY;INTERVAL=2", "every 2 months"),
            ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3", "every year on Mar 3"),
            ("FREQ=HOURLY;INTERVAL=3", "every 3 hours"),
            ("FREQ=HOURLY", "every hour"),
        ])
    func rules(rrule: String, expected: String) {
        #expect(Recurrence(rrule: rrule)!.phrase == expected)
    }

    @Test(
        "after done, COUNT and UNTIL",
        arguments: [
            ("FREQ=DAILY;INTERVAL=3;X-AFTER-DONE=1", "every 3 days after done"),
            ("FREQ=DAILY;COUNT=10", "every day, 10 times"),
            ("FREQ=WEEKLY;BYDAY=TU,FR;COUNT=10", "every Tue and Fri, 10 times"),
            ("FREQ=DAILY;UNTIL=20271231", "every day, until Dec 31 2027"),
            ("FREQ=DAILY;INTERVAL=3;UNTIL=20271231;X-AFTER-DONE=1", "every 3 days after done, until Dec 31 2027"),
        ])
    func modifiers(rrule: String, expected: String) {
        #expect(Recurrence(rrule: rrule)!.phrase == expected)
    }

    @Test("the until year is left out only when it is the current year")
    func untilYear() {
        let rule = Recurrence(rrule: "FREQ=DAILY;UNTIL=20271231")!
        #expect(rule.phrase(currentYear: 2027) == "every day, until Dec 31")
        #expect(rule.phrase(currentYear: 2026) == "every day, until Dec 31 2027")
        #expect(rule.phrase(currentYear: nil) == "every day, until Dec 31 2027")
        #expect(rule.phrase == "every day, until Dec 31 2027")
    }

    @Test(
        "ordinal suffixes",
        arguments: [
            (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
            (21, "21st"), (22, "22nd"), (23, "23rd"), (31, "31st"), (101, "101st"), (111, "111th"),
        ])
    func ordinals(n: Int, expected: String) {
        #expect(Recurrence.ordinal(n) == expected)
    }
}
