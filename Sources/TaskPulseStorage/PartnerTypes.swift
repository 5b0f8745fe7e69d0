import Foundation
import TaskPulseDomain

/// Which of a partner's students a change is about.
public enum StudentReference: Sendable, Equatable {
    /// The name the partner gave (case-insensitive).
    case name(String)
    /// A link id (the API's student id).
    case link(Int64)
}

/// Who a partner's message goes to.
public enum MessageRecipients: Sendable, Equatable {
    /// Every active student.
    case all
    case students([StudentReference])
}

/// A change about partners and students (issue 7). The acting person is the change's user: the partner
/// for invite, assign, students, progress, tell and alerts; the student for answer and block; either for unlink.
public enum PartnerChange: Sendable, Equatable {
    /// Invite a number under a name; the one consent request is written to the outbox.
    case invite(phone: Phone, name: String)
    /// The student's YES or NO to a pending request; `choice` picks one of several (1-based).
    case answer(accept: Bool, choice: Int?)
    /// The student blocks a partner (the one pending request or only partner, or `choice` in the list).
    case block(choice: Int?)
    /// End a link: by the partner's name for a student or the student's word for a partner; `nil` when the
    /// person has a single link.
    case unlink(String?)
    /// End a link by id (API): the partner revokes or the student leaves.
    case unlinkLink(Int64)
    /// Put a task on a linked, consenting student's list (times already in the student's zone).
    case assign(StudentReference, TaskDraft)
    case students
    case progress(StudentReference?)
    /// A message to students, spaced `spacing` seconds apart per recipient (the SMS rate).
    case tell(MessageRecipients, text: String, spacing: TimeInterval)
    /// Switch the partner's alerts; `nil` leaves a switch as it is.
    case alerts(done: Bool?, overdue: Bool?, weekly: Bool?)
    /// The name students see (`nil` clears it).
    case displayName(String?)
}

/// What one recipient of a partner's message will get.
public enum MessageRecipientOutcome: Sendable, Equatable {
    /// Queued to go out at this instant (later for quiet hours, decided when it is sent).
    case queued(at: Date)
    /// The student texted STOP: nothing is sent.
    case optedOut
    /// The student has not said yes (or the link ended): nothing is sent.
    case notLinked
    /// No student by that name or id.
    case unknown(String)
}

/// One recipient of a partner's message.
public struct MessageRecipient: Sendable, Equatable {
    public var link: PartnerLink?
    /// The student's zone and quiet hours (when the student is known), for saying when it arrives.
    public var student: User?
    public var outcome: MessageRecipientOutcome

    public init(link: PartnerLink?, student: User?, outcome: MessageRecipientOutcome) {
        self.link = link
        self.student = student
        self.outcome = outcome
    }
}

/// What a ``PartnerChange`` did, for the reply (SMS) or the response (API).
public enum PartnerOutcome: Sendable, Equatable {
    case invited(PartnerLink)
    case alreadyLinked(PartnerLink)
    /// A request to that number is already waiting: no second request is sent.
    case alreadyPending(PartnerLink)
    /// The number declined or unlinked lately (or blocked): no invitation until `until` (`nil`: blocked).
    case inviteRefused(until: Date?)
    /// Too many new invitations in the last 24 hours.
    case inviteLimit(perDay: Int)
    case ownNumber
    /// Another of the partner's live links already uses this name.
    case nameTaken(PartnerLink)
    /// A partner without a phone must set a display name before inviting (the student must know who asks).
    case needsDisplayName
    case accepted(PartnerLink)
    case declined(PartnerLink)
    case blocked(PartnerLink)
    /// Several requests or partners: the person picks one by number (`YES 2`, `BLOCK 1`).
    case choose(kind: String, [PartnerLink])
    case nothingPending
    /// The chosen request is no longer waiting (expired or withdrawn).
    case requestExpired(PartnerLink)
    case unlinked(PartnerLink, byPartner: Bool)
    /// `unlink` without a name from someone with several links.
    case chooseUnlink(asPartner: [PartnerLink], asStudent: [PartnerLink])
    case noLinks
    /// No live student (or partner) by that name.
    case noSuchStudent(String)
    /// The student has not answered yet: nothing can be sent or assigned.
    case notYetAccepted(PartnerLink)
    case assigned(PartnerLink, TaskItem, studentZoneID: String)
    case students([StudentStatus])
    case progress(StudentStatus, assigned: [TaskItem])
    case told([MessageRecipient])
    /// Too many messages to students in the last 24 hours.
    case tellLimit(perDay: Int)
    case alerts(PartnerAlertSettings)
    case displayNameSet(String?)
}

/// What a partner row in the outbox carries: its link and, for alerts, the event; for messages, the text.
public struct PartnerPayload: Sendable, Codable, Equatable {
    public var link: Int64
    /// `done`, `overdue`, `accepted`, `ended` for alerts.
    public var event: String?
    public var text: String?

    public init(link: Int64, event: String? = nil, text: String? = nil) {
        self.link = link
        self.event = event
        self.text = text
    }

    public func encoded() -> String {
        (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"link\":\(link)}"
    }

    public static func decode(_ payload: String?) -> PartnerPayload? {
        payload.flatMap { try? JSONDecoder().decode(PartnerPayload.self, from: Data($0.utf8)) }
    }
}

/// Limits on partners (issue 7).
public enum PartnerLimits {
    /// A consent request waits this long for YES.
    public static let invitationLifetime: TimeInterval = 7 * 86_400
    /// After NO (or the student unlinking) the partner cannot invite that number again for this long.
    public static let reinviteCooldown: TimeInterval = 30 * 86_400
    /// New invitations per partner in any 24 hours.
    public static let invitationsPerDay = 10
    /// Messages to students (`tell`) per partner in any 24 hours.
    public static let messagesPerDay = 10
    /// The longest message text a partner can send.
    public static let messageLength = 280
    /// The longest student or display name.
    public static let nameLength = 40
    /// An assigned task counts as overdue for the partner's alert this long after its due time.
    public static let overdueGrace: TimeInterval = 3600
}
