import Foundation
import Logging
import TaskPulseCommands
import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// One inbound text as the webhook (or the simulator) received it.
public struct InboundText: Sendable, Equatable {
    public var from: Phone
    /// The text without NUL characters: no SMS carries one, and PostgreSQL's text type cannot store
    /// one (both engines keep the same text).
    public var body: String
    /// Twilio's `MessageSid`, the idempotency key.
    public var messageSid: String
    /// Twilio's `OptOutType` (STOP/START/HELP) when Twilio's own keyword handling already answered.
    public var optOutType: String?

    public init(from: Phone, body: String, messageSid: String, optOutType: String? = nil) {
        self.from = from
        self.body = body.utf8.contains(0) ? String(String.UnicodeScalarView(body.unicodeScalars.filter { $0 != "\0" })) : body
        self.messageSid = messageSid
        self.optOutType = optOutType
    }
}

/// Turns an inbound text into a stored change and the reply: parse, apply, answer (DESIGN §2).
public struct InboundMessageHandler: Sendable {
    let store: any TaskStore
    let clock: any WallClock
    let wakeup: DispatchWakeup
    let defaultTimeZone: String
    let programName: String
    let helpContact: String
    /// Whether this server can send email (changes what `email ...` answers).
    let mailAvailable: Bool
    let parser = CommandParser()

    public init(
        store: any TaskStore, clock: any WallClock, wakeup: DispatchWakeup, defaultTimeZone: String,
        programName: String, helpContact: String, mailAvailable: Bool = true
    ) {
        self.mailAvailable = mailAvailable
        self.store = store
        self.clock = clock
        self.wakeup = wakeup
        self.defaultTimeZone = defaultTimeZone
        self.programName = programName
        self.helpContact = helpContact
    }

    /// Handles `text` once: a retried `MessageSid` gets the recorded reply and changes nothing.
    /// - Returns: the reply text, empty for none.
    /// - Throws: ``StoreError`` when the store cannot take the change (the webhook answers 503).
    public func handle(_ text: InboundText) async throws -> String {
        let sender = try await store.inboundSender(messageSid: text.messageSid, phone: text.from)
        if let reply = sender.recordedReply { return reply }
        let now = clock.now()
        // A new number starts in the zone its country and area code suggest (DESIGN §3), never the server's.
        let user: User
        if let known = sender.user {
            user = known
        } else {
            let guessedZone = PhoneZoneGuess.zone(for: text.from) ?? defaultTimeZone
            user = try await store.ensureUser(phone: text.from, timeZoneID: guessedZone, now: now)
        }
        let zone = TimeZone(identifier: user.timeZoneID) ?? TimeZone(identifier: defaultTimeZone) ?? .gmt
        let morning = LocalTime(hour: user.settings.morningMinutes / 60, minute: user.settings.morningMinutes % 60)
            ?? LocalTime(hour: 9, minute: 0)!
        var command = parser.parse(text.body, context: ParseContext(now: now, zone: zone, morningTime: morning))
        let formatter = ReplyFormatter(zone: zone, now: now, programName: programName, helpContact: helpContact)
        var planner = CommandPlanner(formatter: formatter, now: now, mailAvailable: mailAvailable)
        // "assign Sam read ch 5 by thu" means Thursday where Sam is: read it again in the student's zone.
        if case .assign(let name, _) = command, !user.isOptedOut,
            let (_, student) = try await store.linkedStudent(partnerID: user.id, reference: .name(name), now: now),
            let student, let studentZone = TimeZone(identifier: student.timeZoneID)
        {
            let studentMorning = LocalTime(
                hour: student.settings.morningMinutes / 60, minute: student.settings.morningMinutes % 60) ?? morning
            command = parser.parse(text.body, context: ParseContext(now: now, zone: studentZone, morningTime: studentMorning))
            planner.draftZone = studentZone
        }
        let plan = planner.plan(command, text: text.body, user: user, optOutType: text.optOutType)
        let programName = self.programName
        let result = try await store.handleInbound(
            InboundMessage(messageSid: text.messageSid, body: text.body, receivedAt: now), userID: user.id,
            change: plan.change, now: now
        ) { outcome, isFirstMessage in
            let reply = plan.render(outcome)
            guard isFirstMessage, plan.welcomes, !user.isOptedOut else { return reply }
            return Welcome.text(programName: programName, zoneID: user.timeZoneID) + "\n" + reply
        }
        if result.scheduledDelivery { wakeup.signal() }
        return result.reply
    }
}

/// The first reply to a new number: three example texts and the guessed zone with how to change it.
enum Welcome {
    static func text(programName: String, zoneID: String) -> String {
        "Welcome to \(programName)! Try: \"add call mom tomorrow 9am\", \"remind me to stretch in 20 min\", \"list\". "
            + "Your time zone looks like \(PhoneZoneGuess.zoneName(zoneID)) (\(zoneID)); text \"tz Chicago\" to change it."
    }
}
