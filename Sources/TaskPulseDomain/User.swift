import Foundation

/// A person who texts the service, identified by their phone number.
public struct User: Sendable, Equatable, Codable {
    public var id: UserID
    public var phone: Phone
    /// The person's IANA time zone; every wall-clock phrase they text is read in it.
    public var timeZoneID: String
    /// Set when the person texted STOP (or Twilio reported 21610); cleared by START.
    public var optedOutAt: Date?
    /// Set when Twilio refused the number as invalid (21211 and friends).
    public var numberInvalidAt: Date?
    public var createdAt: Date

    public init(
        id: UserID, phone: Phone, timeZoneID: String, optedOutAt: Date?, numberInvalidAt: Date?, createdAt: Date
    ) {
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
