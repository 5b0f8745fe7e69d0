import Foundation

/// How a message travels.
public enum DeliveryChannel: String, Sendable, Codable, CaseIterable {
    case sms
    case email
}

/// Which channels a person chose for one kind of message (issue 5): text, email, or both.
public enum ChannelChoice: String, Sendable, Codable, CaseIterable {
    case sms
    case email
    case both

    public var includesSMS: Bool { self != .email }
    public var includesEmail: Bool { self != .sms }
}

/// The channels a person chose per kind of message. Everything goes by text until they choose otherwise.
public struct ChannelPreferences: Sendable, Equatable, Codable {
    public var reminder: ChannelChoice
    public var agenda: ChannelChoice
    public var motivation: ChannelChoice
    public var nudge: ChannelChoice
    public var weekly: ChannelChoice

    public init(
        reminder: ChannelChoice = .sms, agenda: ChannelChoice = .sms, motivation: ChannelChoice = .sms,
        nudge: ChannelChoice = .sms, weekly: ChannelChoice = .sms
    ) {
        self.reminder = reminder
        self.agenda = agenda
        self.motivation = motivation
        self.nudge = nudge
        self.weekly = weekly
    }

    /// The kinds a person can route: the ones they receive without asking each time.
    public static let routableKinds: [DeliveryKind] = [.reminder, .agenda, .nudge, .motivation, .weekly]

    public subscript(kind: DeliveryKind) -> ChannelChoice {
        get {
            switch kind {
            case .reminder: reminder
            case .agenda: agenda
            case .motivation: motivation
            case .nudge: nudge
            case .weekly: weekly
            case .emailVerification: .email
            case .phoneCode, .linkRequest, .assignment, .partnerAlert, .partnerMessage, .partnerWeekly: .sms
            }
        }
        set {
            switch kind {
            case .reminder: reminder = newValue
            case .agenda: agenda = newValue
            case .motivation: motivation = newValue
            case .nudge: nudge = newValue
            case .weekly: weekly = newValue
            case .emailVerification, .phoneCode, .linkRequest, .assignment, .partnerAlert, .partnerMessage, .partnerWeekly:
                break
            }
        }
    }
}

/// A person's email address and where it stands. Email has its own consent, separate from SMS STOP
/// (DESIGN §3): an unsubscribe stops email and nothing else.
public struct EmailAddressState: Sendable, Equatable, Codable {
    /// The confirmed address, if any.
    public var address: String?
    public var verifiedAt: Date?
    /// Set by the one-click unsubscribe link; cleared when the person confirms an address again.
    public var unsubscribedAt: Date?
    /// The secret in the person's unsubscribe link.
    public var unsubscribeToken: String?

    public init(address: String? = nil, verifiedAt: Date? = nil, unsubscribedAt: Date? = nil, unsubscribeToken: String? = nil) {
        self.address = address
        self.verifiedAt = verifiedAt
        self.unsubscribedAt = unsubscribedAt
        self.unsubscribeToken = unsubscribeToken
    }

    /// Whether email may be sent: a confirmed address that has not unsubscribed.
    public var isUsable: Bool { address != nil && verifiedAt != nil && unsubscribedAt == nil }
}

/// Which channels one message goes out on, decided at send time from what is true then. Pure.
public enum ChannelPlan {
    /// The channels for a message of `kind` to `user`.
    ///
    /// A kind routed only to email falls back to SMS while email cannot be used (no confirmed address,
    /// unsubscribed, or no mail server): a reminder the person set must reach them somewhere. SMS
    /// opt-outs are not decided here; the SMS leg is suppressed at send time.
    /// - Parameter mailAvailable: whether this server can send email at all.
    public static func channels(for kind: DeliveryKind, user: User, mailAvailable: Bool) -> Set<DeliveryChannel> {
        if kind == .emailVerification { return [.email] }
        if kind == .phoneCode || kind.isPartnerMessage { return [.sms] }
        let choice = user.channels[kind]
        let emailUsable = mailAvailable && user.email.isUsable
        var result: Set<DeliveryChannel> = []
        if choice.includesEmail && emailUsable { result.insert(.email) }
        if choice.includesSMS || result.isEmpty { result.insert(.sms) }
        return result
    }
}

/// An email rendered once, when its SMS sibling was handled, so both say the same thing; kept in the
/// email row's payload until it is sent (retries send exactly this).
public struct PreparedEmail: Sendable, Equatable, Codable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// What a phone-link code row carries until it is sent: the number and the code (only its hash is kept).
public struct PhoneCodePayload: Sendable, Equatable, Codable {
    public var phone: String
    public var code: String

    public init(phone: String, code: String) {
        self.phone = phone
        self.code = code
    }
}

/// What a verification email row carries until it is sent: the address to confirm and the link's secret.
/// The store keeps only a hash of the secret; the payload is cleared once the email went out.
public struct EmailVerificationPayload: Sendable, Equatable, Codable {
    public var address: String
    public var token: String

    public init(address: String, token: String) {
        self.address = address
        self.token = token
    }
}
