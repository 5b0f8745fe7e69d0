import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// Agenda, motivation, nudges and the weekly report: rows in the outbox, per person, in their zone (issue 5).
@Suite("Scheduled digests", .timeLimit(.minutes(1)))
struct DigestTests {
    let newYork = TimeZone(identifier: "America/New_York")!

    func at(_ text: String) -> Date { ZonedTime.instant(LocalDateTime(iso: text)!, in: newYork) }

    /// Moves the fake clock to `text` (New York time) and lets the dispatcher send what is due.
    func run(_ harness: Harness, until text: String) async throws {
        harness.clock.advance(to: at(text))
        while try await harness.parts.dispatcher.drainOnce() > 0 {}
    }

    func bodies(_ twilio: FakeTwilioServer, containing needle: String) -> [String] {
        twilio.received.map(\.body).filter { $0.contains(needle) }
    }

    @Test("the morning agenda comes at 9:00 local with today's and overdue tasks, and not at all when empty")
    func agenda() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add call mom tomorrow 2pm")
            }
            try await run(harness, until: "2026-11-24T08:59")
            #expect(bodies(twilio, containing: "agenda").isEmpty)
            try await run(harness, until: "2026-11-24T09:00")
            #expect(bodies(twilio, containing: "agenda") == [
                "TaskPulse agenda for Tue Nov 24. Today: #1 call mom (2:00 PM). Reply DONE n when finished."
            ])
            try await harness.application.test(.router) { client in _ = try await client.text("done 1") }
            try await run(harness, until: "2026-11-25T09:30")
            #expect(bodies(twilio, containing: "agenda").count == 1)  // nothing to say on Wednesday
        }
    }

    @Test("quiet hours hold the agenda until they end; a reminder at a chosen time still comes then")
    func quietHours() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("morning 7am")
                _ = try await client.text("add early run tomorrow 7:15am")
            }
            try await run(harness, until: "2026-11-24T07:15")
            #expect(bodies(twilio, containing: "reminder: early run").count == 1)
            #expect(bodies(twilio, containing: "agenda").isEmpty)  // 7:00 is inside quiet hours (21:00-08:00)
            try await run(harness, until: "2026-11-24T08:00")
            #expect(bodies(twilio, containing: "agenda").count == 1)
        }
    }

    @Test("the agenda stays at 9:00 local across the fall-back DST change")
    func agendaAcrossDST() async throws {
        let start = ZonedTime.instant(LocalDateTime(iso: "2026-10-30T12:00")!, in: newYork)
        try await FakeTwilioServer.with { twilio in
            try await TemporaryDatabase.with { database in
                let harness = try await Harness(database: database, twilio: twilio, clock: FakeWallClock(now: start))
                try await harness.application.test(.router) { client in
                    _ = try await client.text("every day 1pm water plants")
                }
                var sentAt: [String] = []
                for day in ["2026-10-31", "2026-11-01", "2026-11-02"] {
                    try await run(harness, until: "\(day)T08:59")
                    let before = bodies(twilio, containing: "agenda").count
                    try await run(harness, until: "\(day)T09:00")
                    if bodies(twilio, containing: "agenda").count > before { sentAt.append(day) }
                }
                #expect(sentAt == ["2026-10-31", "2026-11-01", "2026-11-02"])
            }
        }
    }

    @Test("after downtime, a digest older than its period is skipped, not sent stale")
    func staleDigestSkipped() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("add call mom tomorrow 2pm") }
            // Down from Monday until Wednesday noon: Tuesday's 9:00 agenda is more than a day old.
            harness.clock.advance(to: at("2026-11-25T12:00"))
            while try await harness.parts.dispatcher.drainOnce() > 0 {}
            #expect(bodies(twilio, containing: "agenda").isEmpty)
            // The reminder that came due meanwhile is sent late and says so; the overdue nudge follows.
            #expect(bodies(twilio, containing: "reminder: call mom (#1), sent late").count == 1)
            try await run(harness, until: "2026-11-26T09:00")
            #expect(bodies(twilio, containing: "agenda for Thu Nov 26").count == 1)
        }
    }

    @Test("an overdue task gets one nudge an hour after it was due, and is not nudged again")
    func nudges() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add pay rent today 11am")
                _ = try await client.text("add call bank today 11:30am")
            }
            try await run(harness, until: "2026-11-23T12:29")
            #expect(bodies(twilio, containing: "now overdue").count == 1)
            try await run(harness, until: "2026-11-23T12:30")
            let nudges = bodies(twilio, containing: "now overdue")
            #expect(nudges.count == 2)
            #expect(nudges.first?.contains("#1 pay rent") == true)
            try await run(harness, until: "2026-11-23T20:00")
            #expect(bodies(twilio, containing: "now overdue").count == 2)
        }
    }

    @Test("evening motivation is off until turned on, then comes at 18:00 without repeating a line for 30 days")
    func motivation() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("list") }
            try await run(harness, until: "2026-11-23T18:30")
            #expect(twilio.received.isEmpty)  // off by default
            try await harness.application.test(.router) { client in _ = try await client.text("motivation on") }
            var day = LocalDate(year: 2026, month: 11, day: 24)!
            for _ in 0..<30 {
                try await run(harness, until: "\(day)T18:00")
                day = day.adding(days: 1)
            }
            let lines = twilio.received.map(\.body).filter { $0.hasPrefix("TaskPulse: ") && !$0.contains("overdue") }
            #expect(lines.count == 30)
            #expect(Set(lines).count == 30)
        }
    }

    @Test("after STOP an overdue task is not nudged and the dispatcher does not spin on it")
    func noNudgeAfterStop() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add pay rent today 11am")
                _ = try await client.text("STOP")
            }
            harness.clock.advance(to: at("2026-11-23T13:00"))
            var rounds = 0
            while try await harness.parts.dispatcher.drainOnce() > 0, rounds < 20 { rounds += 1 }
            #expect(rounds < 5)
            #expect(twilio.attempts == 0)
        }
    }

    @Test("a digest that downtime pushes into quiet hours is not sent in them")
    func quietHoursAtSendTime() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("motivation on")
                _ = try await client.text("add something tomorrow")
            }
            // Down from 17:00 until 21:30 (inside 21:00-08:00): the 18:00 motivation must wait, not go out now.
            try await run(harness, until: "2026-11-23T17:00")
            try await run(harness, until: "2026-11-23T21:30")
            #expect(bodies(twilio, containing: "TaskPulse: ").filter { !$0.contains("overdue") }.isEmpty)
            try await run(harness, until: "2026-11-24T07:59")
            #expect(bodies(twilio, containing: "TaskPulse: ").filter { !$0.contains("overdue") }.isEmpty)
        }
    }

    @Test("the weekly report on Sunday 20:00 counts completions, on-time rate and the streak")
    func weekly() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add a today 3pm")
                _ = try await client.text("done 1")
            }
            try await run(harness, until: "2026-11-24T10:00")
            try await harness.application.test(.router) { client in
                _ = try await client.text("add b")
                _ = try await client.text("done 1")
            }
            try await run(harness, until: "2026-11-29T20:00")
            #expect(bodies(twilio, containing: "TaskPulse week") == ["TaskPulse week: 2 done (100% on time). WEEKLY OFF to stop these."])
        }
    }

    @Test("a digest stays within two segments however long the titles are (fewer tasks named, then +N more)")
    func segmentBudget() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                for index in 1...5 {
                    _ = try await client.text("add 🎂 prepare the long birthday surprise plan number \(index) tomorrow 3pm")
                }
            }
            try await run(harness, until: "2026-11-24T09:00")
            let agenda = try #require(bodies(twilio, containing: "agenda").first)
            #expect(SegmentCounter.count(agenda).segments <= 2)
            #expect(agenda.contains("more (text LIST)"))
        }
    }

    @Test("changing the morning time after today's agenda went out does not send a second one today")
    func oneAgendaPerDay() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("add call mom tomorrow 2pm") }
            try await run(harness, until: "2026-11-24T09:30")
            #expect(bodies(twilio, containing: "agenda").count == 1)
            try await harness.application.test(.router) { client in _ = try await client.text("morning 10am") }
            try await run(harness, until: "2026-11-24T23:00")
            #expect(bodies(twilio, containing: "agenda").count == 1)
        }
    }

    @Test("the shipped motivation catalog has 60+ lines, each one GSM-7 segment")
    func catalog() throws {
        let catalog = try Prompts.motivation()
        #expect(catalog.lines.count >= 60)
        #expect(throws: MotivationCatalog.LoadError.self) { try MotivationCatalog.load(directory: "/nonexistent/prompts") }
        #expect(throws: MotivationCatalog.LoadError.self) {
            try MotivationCatalog(lines: ["Too few"]).check(programName: "TaskPulse")
        }
        #expect(throws: MotivationCatalog.LoadError.self) {
            try MotivationCatalog(lines: Array(repeating: "Curly ’quotes’ are not GSM-7", count: 60)).check(programName: "TaskPulse")
        }
    }
}
