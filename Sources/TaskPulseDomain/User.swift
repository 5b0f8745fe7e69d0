import Foundation

/// A person: someone who texts the service (identified by their phone number), someone with a web
/// account (login email and password), or both once the account has linked its phone.
public struct User: Sendable, Equatable, Codable {
    public var id: UserID
    /// The number the person texts from; `nil` for a web account that has not linked a phone yet.
    public var phone: Phone?
    /// The person's IANA time zone; every wall-clock phrase they text is read in it.
    public var timeZoneID: String
    /// Set when the person texted STOP (or Twilio reported 21610); cleared by START.
    public var optedOutAt: Date?
    /// Set when Twilio refused the number as invalid (21211 and friends).
    public var numberInvalidAt: Date?
    public var createdAt: Date
    /// Digest and quiet-hour settings.
    public var settings: UserSettings
    /// Which channel each kind of message takes.
    public var channels: ChannelPreferences
    /// The email channel: confirmed address and unsubscribe state.
    public var email: EmailAddressState
    /// The web account's sign-in address, if the person has an account.
    public var loginEmail: String?
    /// The name students see in a partner's requests and messages (`name Ms Lee`).
    public var displayName: String?
    /// What this person hears about the students they partner with.
    public var partnerAlerts: PartnerAlertSettings

    public init(
        id: UserID, phone: Phone?, timeZoneID: String, optedOutAt: Date?, numberInvalidAt: Date?, createdAt: Date,
        settings: UserSettings = UserSettings(), channels: ChannelPreferences = ChannelPreferences(),
        email: EmailAddressState = EmailAddressState(), loginEmail: String? = nil, displayName: String? = nil,
        partnerAlerts: PartnerAlertSettings = PartnerAlertSettings()
    ) {
        self.displayName = displayName
        self.partnerAlerts = partnerAlerts
        self.loginEmail = loginEmail
        self.channels = channels
        self.email = email
        self.settings = settings
        self.id = id
        self.phone = phone
        self.timeZoneID = timeZoneID
        self.optedOutAt = optedOutAt
        self.numberInvalidAt = numberInvalidAt
        self.createdAt = createdAt
    }

    /// Whether no SMS may be sent to this person (DESIGN §3).
    public var isOptedOut: Bool { optedOutAt != nil }

}

/// What a person chose about scheduled messages (DESIGN §2, §3). Times are minutes after local midnight.
public struct UserSettings: Sendable, Equatable, Codable {
    /// The morning agenda time, also when date-only tasks are due (default 09:00).
    public var morningMinutes: Int
    public var morningEnabled: Bool
    /// The evening motivation time (default 18:00).
    public var eveningMinutes: Int
    /// Evening motivation is off until the person turns it on.
    public var motivationEnabled: Bool
    /// The weekly progress report (default on).
    public var weeklyEnabled: Bool
    /// Quiet hours (default 21:00-08:00); `nil` when off.
    public var quietStartMinutes: Int?
    public var quietEndMinutes: Int?

    public init(
        morningMinutes: Int = 540, morningEnabled: Bool = true, eveningMinutes: Int = 1080,
        motivationEnabled: Bool = false, weeklyEnabled: Bool = true, quietStartMinutes: Int? = 1260,
        quietEndMinutes: Int? = 480
    ) {
        self.morningMinutes = morningMinutes
        self.morningEnabled = morningEnabled
        self.eveningMinutes = eveningMinutes
        self.motivationEnabled = motivationEnabled
        self.weeklyEnabled = weeklyEnabled
        self.quietStartMinutes = quietStartMinutes
        self.quietEndMinutes = quietEndMinutes
    }
}
