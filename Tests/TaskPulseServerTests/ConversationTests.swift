import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

import TaskPulseDomain
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport

@testable import TaskPulseDispatch

/// The command language end to end: texts in, replies out, reminders through the dispatcher.
@Suite("Conversations over the webhook", .timeLimit(.minutes(1)))
struct ConversationTests {
    @Test("a repeating add states the rule and the next two occurrences in local time")
    func repeatingAddReply() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await client.text("list")
                let reply = try await client.text("every weekday 7am stretch")
                #expect(reply.text.contains("Added #1 stretch, every weekday 7:00 AM EST, next Tue Nov 24, Wed Nov 25. UNDO to remove."))
                let list = try await client.text("list")
                #expect(list.text.contains("#1 stretch (Tue Nov 24 7:00 AM EST) (repeats)"))
            }
        }
    }

    @Test("right after a reminder, a bare done, snooze or new time acts on that task")
    func replyToReminder() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add water plants in 5 min")
                _ = try await client.text("add call mom in 10 min")
                harness.clock.advance(by: 5 * 60)
                try await harness.parts.dispatcher.drainOnce()
                harness.clock.advance(by: 5 * 60)
                try await harness.parts.dispatcher.drainOnce()
                #expect(twilio.received.count == 2)
                let snooze = try await client.text("snooze 30m")
                #expect(snooze.text.contains("Snoozed #2 call mom until Mon Nov 23 10:55 AM EST"))
                harness.clock.advance(by: 30 * 60)
                try await harness.parts.dispatcher.drainOnce()
                #expect(twilio.received.last?.body.contains("call mom (#2)") == true)
                let done = try await client.text("done")
                #expect(done.text.contains("Done: #2 call mom"))
                let number = try await client.text("done 1")
                #expect(number.text.contains("Done: #1 water plants"))
            }
        }
    }

    @Test("with no recent reminder, a bare done asks which task")
    func bareDoneWithoutReminder() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add water plants tomorrow")
                let reply = try await client.text("done")
                #expect(reply.text.contains("Which task?"))
            }
        }
    }

    @Test("an ambiguous fragment asks which one, and a bare number answers")
    func whichOne() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add buy milk")
                _ = try await client.text("add milk the cat")
                let question = try await client.text("done milk")
                #expect(question.text.contains("Which one matches \"milk\"? 1) buy milk 2) milk the cat. Reply with 1-2."))
                let answer = try await client.text("2")
                #expect(answer.text.contains("Done: #2 milk the cat"))
            }
        }
    }

    @Test("deleting a repeating task asks this one or all")
    func deleteRepeating() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await client.text("every day 8pm take vitamins")
                let question = try await client.text("delete 1")
                #expect(question.text.contains("repeats every day. Delete 1) this one or 2) all of them?"))
                let all = try await client.text("all")
                #expect(all.text.contains("Deleted #1 take vitamins"))
                let list = try await client.text("list")
                #expect(list.text.contains("No open tasks"))
            }
        }
    }

    @Test("a new number's zone is guessed from its area code; tz changes it and keeps local times")
    func timeZones() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let first = try await client.text("add call mom tomorrow 9am", from: "+13125550100")
                #expect(first.text.contains("Your time zone looks like Central (America/Chicago)"))
                #expect(first.text.contains("Added #1 call mom, Tue Nov 24 9:00 AM CST"))
                let tz = try await client.text("tz pacific", from: "+13125550100")
                #expect(tz.text.contains("Time zone: America/Los_Angeles (PST). 1 upcoming task keep their local times."))
                let list = try await client.text("list", from: "+13125550100")
                #expect(list.text.contains("#1 call mom (Tue Nov 24 9:00 AM PST)"))
                let bad = try await client.text("tz Narnia", from: "+13125550100")
                #expect(bad.text.contains("I don't know that time zone"))
            }
        }
    }

    @Test("move, rename and undo over SMS")
    func moveRenameUndo() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add call mom tomorrow 9am")
                let moved = try await client.text("move 1 friday 3pm")
                #expect(moved.text.contains("Moved #1 call mom to Fri Nov 27 3:00 PM EST"))
                let renamed = try await client.text("rename 1 call Grandma")
                #expect(renamed.text.contains("Renamed #1 to call Grandma"))
                let undo = try await client.text("undo")
                #expect(undo.text.contains("Undone: reverted #1 call mom"))
            }
        }
    }

    @Test("long lists page with MORE")
    func paging() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                for index in 1...10 { _ = try await client.text("add chore \(index)") }
                let first = try await client.text("list")
                #expect(first.text.contains("Text MORE for 2 more."))
                let more = try await client.text("more")
                #expect(more.text.contains("(9-10 of 10)"))
                #expect(more.text.contains("#10 chore 10"))
            }
        }
    }

    @Test("settings by SMS are saved and echoed")
    func settingsEcho() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let quiet = try await client.text("quiet 10pm-7am")
                #expect(quiet.text.contains("Quiet hours 10:00 PM-7:00 AM."))
                let morning = try await client.text("morning 7am")
                #expect(morning.text.contains("Morning agenda 7:00 AM."))
                // The morning time is also when date-only tasks are due.
                let dateOnly = try await client.text("add dentist call wednesday")
                #expect(dateOnly.text.contains("Wed Nov 25 7:00 AM EST"))
                let motivation = try await client.text("motivation on")
                #expect(motivation.text.contains("Evening motivation 6:00 PM."))
                let weekly = try await client.text("weekly off")
                #expect(weekly.text.contains("Weekly report off."))
            }
        }
    }

    @Test("where a phrase could mean two things, the reply says which reading it took and how to change it")
    func readings() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let hour = try await client.text("add call Ana at 9")
                #expect(hour.text.contains("Mon Nov 23 9:00 PM EST. UNDO to remove. Read as 9:00 PM; for AM text \"move 1 9am\"."))
                let slash = try await client.text("add party 5/1 5pm")
                #expect(slash.text.contains("Read 5/1 as May 1; for 5 Jan text \"move 2 5 jan\"."))
                let clear = try await client.text("add dentist dec 3 2pm")
                #expect(!clear.text.contains("Read"))
                let monthly = try await client.text("add pay bills every 31st")
                #expect(monthly.text.contains("Months without a 31st are skipped"))
            }
        }
    }

    @Test("after a reminder, a bare new time or duration moves that task, and skip skips a repeating one")
    func bareTimesAfterReminder() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add call mom in 5 min")
                harness.clock.advance(by: 5 * 60)
                try await harness.parts.dispatcher.drainOnce()
                let tomorrow = try await client.text("tomorrow 8am")
                #expect(tomorrow.text.contains("Moved #1 call mom to Tue Nov 24 8:00 AM EST"))
                _ = try await client.text("every day 11am stretch")
                harness.clock.advance(by: 40 * 60)  // 11:00
                try await harness.parts.dispatcher.drainOnce()
                #expect(twilio.received.last?.body.contains("stretch (#2)") == true)
                let twoHours = try await client.text("2h")
                #expect(twoHours.text.contains("Moved #2 stretch to Mon Nov 23 1:00 PM EST"))
                let skip = try await client.text("skip")
                #expect(skip.text.contains("Skipped stretch this time. Next: Tue Nov 24 11:00 AM EST."))
            }
        }
    }
}
