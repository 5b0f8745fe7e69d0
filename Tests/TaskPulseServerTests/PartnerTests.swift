import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// Partners and students by SMS (issue 7): consent, assignment, progress, messages, isolation.
@Suite("Partners and students", .timeLimit(.minutes(1)))
struct PartnerTests {
    static let teacher = "+12125550101"
    static let sam = "+12125550102"
    static let priya = "+12125550103"
    let newYork = TimeZone(identifier: "America/New_York")!

    func at(_ text: String) -> Date { ZonedTime.instant(LocalDateTime(iso: text)!, in: newYork) }

    /// Sends what is due now (New York `text`, if given).
    func run(_ harness: Harness, until text: String? = nil) async throws {
        if let text { harness.clock.advance(to: at(text)) }
        while try await harness.parts.dispatcher.drainOnce() > 0 {}
    }

    func texts(_ twilio: FakeTwilioServer, to number: String) -> [String] {
        twilio.received.filter { $0.to == number }.map(\.body)
    }

    /// `text` from `from`, returning the reply text.
    func say(_ harness: Harness, _ text: String, from: String) async throws -> String {
        let twiml = try await harness.application.test(.router) { client in
            try await client.text(text, from: from).text
        }
        // The reply inside <Message>, unescaped (the tests' texts have no markup).
        guard let start = twiml.range(of: "<Message>"), let end = twiml.range(of: "</Message>") else { return "" }
        return String(twiml[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The teacher names themselves and links Sam, and Sam says yes.
    func linkSam(_ harness: Harness) async throws {
        _ = try await say(harness, "name Ms Lee", from: Self.teacher)
        _ = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
        _ = try await say(harness, "yes", from: Self.sam)
    }

    @Test("nothing but one consent request reaches a student before YES; YES links; assign reaches them after")
    func consentBeforeAnything() async throws {
        try await Harness.with { harness, twilio in
            _ = try await say(harness, "name Ms Lee", from: Self.teacher)
            let invited = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            #expect(invited.contains("Asked Sam"))
            let again = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            #expect(again.contains("hasn't answered yet"))
            let early = try await say(harness, "assign Sam read ch 5 by thu", from: Self.teacher)
            #expect(early.contains("hasn't said yes"))
            let told = try await say(harness, "tell all quiz moved to friday", from: Self.teacher)
            #expect(told == "You have no linked students yet.")
            let toSam = try await say(harness, "tell Sam hello", from: Self.teacher)
            #expect(toSam == "Sent to 0 of 1 student. Not sent: Sam (hasn't said yes).")
            try await run(harness)
            let request = texts(twilio, to: Self.sam)
            #expect(request.count == 1)
            #expect(request.first?.contains("Ms Lee (\(Self.teacher)) wants to link with you") == true)
            #expect(try await harness.store.user(phone: Phone(Self.sam)!) == nil)  // no account, no digests

            let yes = try await say(harness, "yes", from: Self.sam)
            #expect(yes.contains("You're linked with Ms Lee"))
            let assigned = try await say(harness, "assign Sam read ch 5 by thu", from: Self.teacher)
            #expect(assigned.contains("Assigned to Sam: read ch 5, due Thu Nov 26 11:59 PM"))
            try await run(harness)
            #expect(texts(twilio, to: Self.teacher).contains { $0.contains("Sam accepted your link") })
            #expect(texts(twilio, to: Self.sam).last == "TaskPulse: Ms Lee (\(Self.teacher)) assigned you #1 read ch 5, due Thu Nov 26 11:59 PM. Reply DONE 1 when finished.")
            let sam = try #require(try await harness.store.user(phone: Phone(Self.sam)!))
            let list = try await harness.store.tasks(userID: sam.id, status: .open)
            #expect(list.map(\.title) == ["read ch 5"])

            _ = try await say(harness, "done 1", from: Self.sam)
            try await run(harness)
            #expect(texts(twilio, to: Self.teacher).last?.contains("Sam finished \"read ch 5\" on time") == true)
        }
    }

    @Test("NO declines; the partner cannot invite that number again for 30 days")
    func declineAndCooldown() async throws {
        try await Harness.with { harness, twilio in
            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            try await run(harness)
            let no = try await say(harness, "no", from: Self.sam)
            #expect(no.contains("Declined"))
            let assign = try await say(harness, "assign Sam read", from: Self.teacher)
            #expect(assign.contains("No student called Sam"))
            let again = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            #expect(again.contains("can't be invited again before Wed Dec 23"))
            try await run(harness, until: "2026-12-23T10:16")
            let later = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            #expect(later.contains("Asked Sam"))
            try await run(harness)
            #expect(texts(twilio, to: Self.sam).count == 2)  // one request per invitation, nothing else
        }
    }

    @Test("an invitation expires after 7 days: YES then links nothing, and a new invitation can be sent")
    func expiry() async throws {
        try await Harness.with { harness, twilio in
            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            try await run(harness, until: "2026-11-30T10:16")
            let late = try await say(harness, "yes", from: Self.sam)
            #expect(late.contains("expired"))
            let students = try await say(harness, "students", from: Self.teacher)
            #expect(students == "Sam: expired")
            let again = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            #expect(again.contains("Asked Sam"))
        }
    }

    @Test("BLOCK ends a link and keeps that partner's invitations out for good; other partners are unaffected")
    func block() async throws {
        try await Harness.with { harness, twilio in
            try await linkSam(harness)
            let blocked = try await say(harness, "block", from: Self.sam)
            #expect(blocked.contains("Blocked Ms Lee"))
            try await run(harness)
            #expect(texts(twilio, to: Self.teacher).last?.contains("Sam ended your link") == true)
            let told = try await say(harness, "tell Sam hello", from: Self.teacher)
            #expect(told.contains("no such student"))
            try await run(harness, until: "2027-01-05T10:00")
            let again = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            #expect(again.contains("asked not to get requests from you"))
            let other = try await say(harness, "link \(Self.sam) Sam", from: Self.priya)
            #expect(other.contains("Asked Sam"))
        }
    }

    @Test("either side can unlink: the other hears once, assignments stop, a student's unlink holds re-invites 30 days")
    func unlinkFromEitherSide() async throws {
        try await Harness.with { harness, twilio in
            try await linkSam(harness)
            let byTeacher = try await say(harness, "unlink Sam", from: Self.teacher)
            #expect(byTeacher.contains("Unlinked Sam"))
            try await run(harness)
            #expect(texts(twilio, to: Self.sam).last?.contains("Ms Lee (\(Self.teacher)) ended your link") == true)
            #expect(try await say(harness, "assign Sam read", from: Self.teacher).contains("No student called Sam"))

            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)  // a partner's own unlink: no wait
            _ = try await say(harness, "yes", from: Self.sam)
            let byStudent = try await say(harness, "unlink", from: Self.sam)
            #expect(byStudent.contains("Unlinked from Ms Lee"))
            try await run(harness)
            #expect(texts(twilio, to: Self.teacher).last?.contains("Sam ended your link") == true)
            #expect(try await say(harness, "link \(Self.sam) Sam", from: Self.teacher).contains("can't be invited again"))
        }
    }

    @Test("a partner sees only what they assigned: never the student's own tasks, never another partner's")
    func isolation() async throws {
        try await Harness.with { harness, twilio in
            try await linkSam(harness)
            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.priya)
            _ = try await say(harness, "yes", from: Self.sam)  // one request pending: Priya's
            _ = try await say(harness, "add secret diary entry tomorrow 8pm", from: Self.sam)
            _ = try await say(harness, "assign Sam read ch 5 by thu", from: Self.teacher)
            _ = try await say(harness, "assign Sam piano scales friday 5pm", from: Self.priya)
            let teacherView = try await say(harness, "progress Sam", from: Self.teacher)
            #expect(teacherView.contains("read ch 5"))
            #expect(!teacherView.contains("secret diary"))
            #expect(!teacherView.contains("piano"))
            let priyaView = try await say(harness, "progress Sam", from: Self.priya)
            #expect(priyaView.contains("piano scales"))
            #expect(!priyaView.contains("read ch 5") && !priyaView.contains("secret diary"))
            let students = try await say(harness, "students", from: Self.teacher)
            #expect(students == "Sam: 0 of 1 done this week, next Thu Nov 26")
        }
    }

    @Test("tell all respects STOP and the student's quiet hours and says how many it reached")
    func bulkRespectsStopAndQuietHours() async throws {
        let tokyo = "+81312345678"
        try await Harness.with { harness, twilio in
            try await linkSam(harness)
            _ = try await say(harness, "link \(Self.priya) Priya", from: Self.teacher)
            _ = try await say(harness, "yes", from: Self.priya)
            _ = try await say(harness, "link \(tokyo) Kenji", from: Self.teacher)
            try await run(harness)  // Kenji's request waits for 8:00 in Tokyo (it is 00:15 there)
            #expect(texts(twilio, to: tokyo).isEmpty)
            try await run(harness, until: "2026-11-23T18:00")  // 8:00 in Tokyo
            #expect(texts(twilio, to: tokyo).count == 1)
            _ = try await say(harness, "yes", from: tokyo)
            _ = try await say(harness, "STOP", from: Self.priya)
            try await run(harness, until: "2026-11-24T10:00")
            let before = twilio.received.count
            let told = try await say(harness, "tell all quiz moved to friday", from: Self.teacher)
            #expect(told.hasPrefix("Sent to 2 of 3 students. After quiet hours: Kenji at Tue Nov 24 6:00 PM EST."))
            #expect(told.contains("Not sent: Priya (opted out of texts)"))
            try await run(harness, until: "2026-11-24T10:05")
            let sent = twilio.received.dropFirst(before)
            #expect(sent.map(\.to) == [Self.sam])
            #expect(sent.first?.body == "TaskPulse message from Ms Lee (\(Self.teacher)): quiz moved to friday")
            try await run(harness, until: "2026-11-24T18:00")
            #expect(twilio.received.dropFirst(before).map(\.to) == [Self.sam, tokyo])
            #expect(texts(twilio, to: Self.priya).allSatisfy { !$0.contains("quiz") })
        }
    }

    @Test("the partner hears when an assigned task becomes overdue, at its new time if it moved; switchable")
    func overdueAlerts() async throws {
        try await Harness.with { harness, twilio in
            try await linkSam(harness)
            _ = try await say(harness, "assign Sam essay today 2pm", from: Self.teacher)
            _ = try await say(harness, "move 1 today 4pm", from: Self.sam)
            try await run(harness, until: "2026-11-23T15:30")
            #expect(!texts(twilio, to: Self.teacher).contains { $0.contains("overdue") })
            try await run(harness, until: "2026-11-23T17:00")
            #expect(texts(twilio, to: Self.teacher).last?.contains("Sam's task \"essay\" is overdue (was due Mon Nov 23 4:00 PM)") == true)
            #expect(try await say(harness, "alerts overdue off", from: Self.teacher).contains("overdue off"))
            _ = try await say(harness, "assign Sam second essay today 6pm", from: Self.teacher)
            try await run(harness, until: "2026-11-23T19:30")
            #expect(texts(twilio, to: Self.teacher).filter { $0.contains("overdue") }.count == 1)
        }
    }

    @Test("a partner invites a bounded number of new numbers a day")
    func invitationLimit() async throws {
        try await Harness.with { harness, _ in
            for index in 0..<PartnerLimits.invitationsPerDay {
                let reply = try await say(harness, "link +1212555\(String(format: "%04d", 2000 + index)) S\(index)", from: Self.teacher)
                #expect(reply.contains("Asked"))
            }
            let over = try await say(harness, "link +12125553000 Extra", from: Self.teacher)
            #expect(over.contains("You can invite 10 new numbers a day"))
        }
    }

    @Test("silence is a no: a withdrawn request holds a re-invite a week, two unanswered ones hold it 30 days")
    func unansweredRequests() async throws {
        try await Harness.with { harness, _ in
            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            #expect(try await say(harness, "unlink Sam", from: Self.teacher).contains("Withdrew the request"))
            #expect(try await say(harness, "link \(Self.sam) Sam", from: Self.teacher).contains("before Mon Nov 30"))
            try await run(harness, until: "2026-11-30T10:16")
            #expect(try await say(harness, "link \(Self.sam) Sam", from: Self.teacher).contains("Asked Sam"))
            try await run(harness, until: "2026-12-07T10:17")  // the second one expired unanswered
            #expect(try await say(harness, "link \(Self.sam) Sam", from: Self.teacher).contains("before Wed Jan 6"))
        }
    }

    @Test("a student's unlink holds re-invites 30 days from the unlink, not from the YES; names are one word")
    func unlinkCooldownFromTheUnlink() async throws {
        try await Harness.with { harness, _ in
            try await linkSam(harness)
            try await run(harness, until: "2027-01-05T10:00")
            _ = try await say(harness, "unlink", from: Self.sam)
            #expect(try await say(harness, "link \(Self.sam) Sam", from: Self.teacher).contains("before Thu Feb 4"))
            #expect(try await say(harness, "link \(Self.priya) Priya K", from: Self.teacher).contains("one word"))
        }
    }

    @Test("the partner's weekly summary comes Sunday 19:00 with a line per student; assigned reminders wait out quiet hours")
    func weeklySummaryAndQuietAssignedReminders() async throws {
        try await Harness.with { harness, twilio in
            try await linkSam(harness)
            _ = try await say(harness, "assign Sam essay by wed", from: Self.teacher)
            _ = try await say(harness, "assign Sam early run tomorrow 6am", from: Self.teacher)
            _ = try await say(harness, "done 1", from: Self.sam)
            try await run(harness, until: "2026-11-24T06:00")
            #expect(!texts(twilio, to: Self.sam).contains { $0.contains("reminder: early run") })
            try await run(harness, until: "2026-11-24T08:00")
            #expect(texts(twilio, to: Self.sam).contains { $0.contains("reminder: early run") })
            try await run(harness, until: "2026-11-29T19:00")
            let weekly = texts(twilio, to: Self.teacher).filter { $0.contains("weekly, your students") }
            #expect(weekly == ["TaskPulse weekly, your students' assigned tasks:\nSam: 1 of 2 done this week, 1 overdue\nText PROGRESS name for details."])
        }
    }

    @Test("undoing the completion of an assigned task brings its overdue alert back")
    func undoKeepsOverdueAlert() async throws {
        try await Harness.with { harness, twilio in
            try await linkSam(harness)
            _ = try await say(harness, "assign Sam essay today 2pm", from: Self.teacher)
            _ = try await say(harness, "done 1", from: Self.sam)
            _ = try await say(harness, "undo", from: Self.sam)
            try await run(harness, until: "2026-11-23T15:01")
            #expect(texts(twilio, to: Self.teacher).contains { $0.contains("Sam's task \"essay\" is overdue") })
        }
    }

    @Test("with two requests waiting, YES asks which; YES 2 accepts the second and leaves the first waiting")
    func choosingAmongRequests() async throws {
        try await Harness.with { harness, _ in
            _ = try await say(harness, "name Ms Lee", from: Self.teacher)
            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.priya)
            let which = try await say(harness, "yes", from: Self.sam)
            #expect(which.hasSuffix("Which one? 1) Ms Lee (\(Self.teacher)) 2) \(Self.priya). Reply YES 1 or YES 2."))
            #expect(try await say(harness, "yes 2", from: Self.sam).contains("You're linked with \(Self.priya)"))
            #expect(try await say(harness, "students", from: Self.priya).hasPrefix("Sam: "))
            #expect(try await say(harness, "students", from: Self.teacher).hasPrefix("Sam: waiting for yes"))
            #expect(try await say(harness, "yes 5", from: Self.sam).contains("Which one? 1) Ms Lee"))
        }
    }

    @Test("a failed consent request's status callback never marks the partner opted out or invalid")
    func consentRequestCallbackSparesThePartner() async throws {
        try await Harness.with { harness, _ in
            _ = try await say(harness, "link \(Self.sam) Sam", from: Self.teacher)
            try await run(harness)
            let teacher = try #require(try await harness.store.user(phone: Phone(Self.teacher)!))
            let request = try #require(try await harness.store.deliveries(userID: teacher.id).first { $0.kind == .linkRequest })
            let sid = try #require(request.providerMessageID)
            #expect(try await harness.store.recordProviderStatus(providerMessageID: sid, status: .failed, errorCode: "21610", now: harness.clock.now()))
            let after = try #require(try await harness.store.user(phone: Phone(Self.teacher)!))
            #expect(after.optedOutAt == nil && after.numberInvalidAt == nil)
            #expect(try await harness.store.deliveries(userID: teacher.id).first { $0.kind == .linkRequest }?.status == .failed)
        }
    }
}
