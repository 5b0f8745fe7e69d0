import Foundation

/// Where a partner-student link is in its life (issue 7, DESIGN §3).
public enum LinkStatus: String, Sendable, Codable, CaseIterable {
    /// Invited; the student has not answered. Nothing but the one consent request reaches them.
    case pending
    /// The student answered YES from their own phone.
    case active
    /// The student answered NO: the partner cannot invite that number again for 30 days.
    case declined
    /// Seven days passed without an answer.
    case expired
    /// Ended by either side (`ended_by` says which).
    case unlinked
    /// The student blocked the partner: no new invitation from that partner is delivered.
    case blocked
}

/// A partner-student link: a partner (teacher, parent, coach) and the number they invited.
public struct PartnerLink: Sendable, Equatable, Codable {
    public var id: Int64
    public var partnerID: UserID
    /// How the student knows the partner: their display name and number (or the number alone).
    public var partnerLabel: String
    public var studentPhone: Phone
    /// The name the partner gave the student (`link +1555... Sam`), unique among the partner's live links.
    public var studentName: String
    /// The student's user id, once the number has texted the service.
    public var studentID: UserID?
    public var status: LinkStatus
    public var invitedAt: Date
    public var expiresAt: Date
    /// When the student answered (yes, no, block).
    public var respondedAt: Date?
    public var endedAt: Date?
    /// `partner` or `student` for an unlinked link.
    public var endedBy: String?

    public init(
        id: Int64, partnerID: UserID, partnerLabel: String, studentPhone: Phone, studentName: String, studentID: UserID?,
        status: LinkStatus, invitedAt: Date, expiresAt: Date, respondedAt: Date? = nil, endedAt: Date? = nil,
        endedBy: String? = nil
    ) {
        self.id = id
        self.partnerID = partnerID
        self.partnerLabel = partnerLabel
        self.studentPhone = studentPhone
        self.studentName = studentName
        self.studentID = studentID
        self.status = status
        self.invitedAt = invitedAt
        self.expiresAt = expiresAt
        self.respondedAt = respondedAt
        self.endedAt = endedAt
        self.endedBy = endedBy
    }

    /// How a student is told who a partner is: the display name with the number, or either alone.
    public static func label(displayName: String?, phone: Phone?) -> String {
        switch (displayName, phone) {
        case (let name?, let phone?): "\(name) (\(phone.e164))"
        case (let name?, nil): name
        case (nil, let phone?): phone.e164
        case (nil, nil): "someone"
        }
    }

    /// The status at `now`: a pending invitation past its expiry is expired even before anyone marks it.
    public func status(at now: Date) -> LinkStatus {
        status == .pending && expiresAt <= now ? .expired : status
    }
}

/// A linked student's assigned-task progress, as their partner may see it: counts over the tasks that
/// partner assigned, never the student's own tasks.
public struct StudentProgress: Sendable, Equatable, Codable {
    public var open: Int
    public var overdue: Int
    /// Assigned tasks completed in the last 7 days, and how many of them by their due time.
    public var doneThisWeek: Int
    public var doneOnTimeThisWeek: Int
    public var doneTotal: Int
    /// The assigned open task due next, if any.
    public var nextDue: TaskItem?

    public init(
        open: Int = 0, overdue: Int = 0, doneThisWeek: Int = 0, doneOnTimeThisWeek: Int = 0, doneTotal: Int = 0,
        nextDue: TaskItem? = nil
    ) {
        self.open = open
        self.overdue = overdue
        self.doneThisWeek = doneThisWeek
        self.doneOnTimeThisWeek = doneOnTimeThisWeek
        self.doneTotal = doneTotal
        self.nextDue = nextDue
    }
}

/// A partner's view of one student: the link, the student's zone (for times) and the progress.
public struct StudentStatus: Sendable, Equatable {
    public var link: PartnerLink
    /// The student's IANA zone, once they have texted.
    public var timeZoneID: String?
    public var progress: StudentProgress

    public init(link: PartnerLink, timeZoneID: String?, progress: StudentProgress) {
        self.link = link
        self.timeZoneID = timeZoneID
        self.progress = progress
    }
}

/// What a partner chose to hear about their students.
public struct PartnerAlertSettings: Sendable, Equatable, Codable {
    /// A text when a student completes an assigned task.
    public var done: Bool
    /// A text when an assigned task becomes overdue.
    public var overdue: Bool
    /// The weekly summary, one line per student.
    public var weekly: Bool

    public init(done: Bool = true, overdue: Bool = true, weekly: Bool = true) {
        self.done = done
        self.overdue = overdue
        self.weekly = weekly
    }
}
