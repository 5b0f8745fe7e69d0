import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseStorage

/// `GET/PATCH /api/v1/me/settings`, linking a phone and `GET /api/v1/deliveries` (issue 6): the same
/// settings the SMS commands change, and the log of what was sent.
extension APIController {
    func addSettingsRoutes(to api: RouterGroup<TaskPulseRequestContext>) {
        api.get("/me/settings") { request, _ in
            JSON.response(.ok, APISettings(try await service.user(try await authenticated(request).userID)))
        }
        api.patch("/me/settings") { request, _ in
            let userID = try await authenticated(request).userID
            let input = try await JSON.decode(SettingsInput.self, from: request)
            return JSON.response(.ok, APISettings(try await service.updateSettings(userID, input)))
        }
        api.post("/me/phone") { request, _ in
            let userID = try await authenticated(request).userID
            let input = try await JSON.decode(PhoneInput.self, from: request)
            let phone = try await service.requestPhoneCode(userID, phone: input.phone)
            return JSON.response(.accepted, ["phone": phone.e164, "expires_in": "600"])
        }
        api.post("/me/phone/verify") { request, context in
            let (userID, session) = try await authenticated(request)
            let input = try await JSON.decode(PhoneInput.self, from: request)
            let (user, merged) = try await service.verifyPhone(
                userID, code: input.code, client: clientAddress.of(request, peer: context.remoteAddress))
            var body: [String: AnyEncodable] = ["me": AnyEncodable(APIMe(user)), "merged": AnyEncodable(merged)]
            if merged {
                // The old tokens named the account that is gone.
                try await store.revokeSession(id: session, now: clock.now())
                body["tokens"] = AnyEncodable(try await tokens.startSession(for: user.id))
            }
            return JSON.response(.ok, body)
        }
        api.get("/deliveries") { request, _ in
            let userID = try await authenticated(request).userID
            let parameters = try QueryString(request)
            let page = try await service.deliveries(userID, limit: parameters["limit"], cursor: parameters["cursor"])
            return JSON.response(.ok, APIPage(items: page.items.map(APIDelivery.init), nextCursor: page.nextCursor))
        }
    }

    struct PhoneInput: Decodable {
        var phone: String?
        var code: String?
    }
}

/// A person's settings as the API shows them.
struct APISettings: Encodable {
    let user: User

    init(_ user: User) { self.user = user }

    static func clock(_ minutes: Int?) -> String? {
        guard let minutes else { return nil }
        return String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    enum CodingKeys: String, CodingKey {
        case timeZone = "time_zone", quietStart = "quiet_start", quietEnd = "quiet_end", morningTime = "morning_time"
        case morningEnabled = "morning_enabled", eveningTime = "evening_time", motivationEnabled = "motivation_enabled"
        case weeklyEnabled = "weekly_enabled", channels, email, emailConfirmed = "email_confirmed"
        case emailUnsubscribed = "email_unsubscribed", displayName = "display_name", studentAlerts = "student_alerts"
    }

    func encode(to encoder: any Encoder) throws {
        let settings = user.settings
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(user.timeZoneID, forKey: .timeZone)
        try container.encode(Self.clock(settings.quietStartMinutes), forKey: .quietStart)
        try container.encode(Self.clock(settings.quietEndMinutes), forKey: .quietEnd)
        try container.encode(Self.clock(settings.morningMinutes), forKey: .morningTime)
        try container.encode(settings.morningEnabled, forKey: .morningEnabled)
        try container.encode(Self.clock(settings.eveningMinutes), forKey: .eveningTime)
        try container.encode(settings.motivationEnabled, forKey: .motivationEnabled)
        try container.encode(settings.weeklyEnabled, forKey: .weeklyEnabled)
        let channels = Dictionary(
            uniqueKeysWithValues: ChannelPreferences.routableKinds.map { ($0.rawValue, user.channels[$0].rawValue) })
        try container.encode(channels, forKey: .channels)
        try container.encode(user.email.address, forKey: .email)
        try container.encode(user.email.verifiedAt != nil, forKey: .emailConfirmed)
        try container.encode(user.email.unsubscribedAt != nil, forKey: .emailUnsubscribed)
        try container.encode(user.displayName, forKey: .displayName)
        let alerts = user.partnerAlerts
        try container.encode(["done": alerts.done, "overdue": alerts.overdue, "weekly": alerts.weekly], forKey: .studentAlerts)
    }
}

/// One message in the deliveries log: what, when, by which channel, and what happened to it.
struct APIDelivery: Encodable {
    let delivery: Delivery

    init(_ delivery: Delivery) { self.delivery = delivery }

    enum CodingKeys: String, CodingKey {
        case id, kind, channel, status, taskID = "task_id", dueAt = "due_at", sentAt = "sent_at", body
        case errorCode = "error_code", errorMessage = "error_message", attempts
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(delivery.id.rawValue, forKey: .id)
        try container.encode(delivery.kind.rawValue, forKey: .kind)
        try container.encode(delivery.channel.rawValue, forKey: .channel)
        try container.encode(delivery.status.rawValue, forKey: .status)
        try container.encode(delivery.taskID?.rawValue, forKey: .taskID)
        try container.encode(JSON.string(delivery.dueAt), forKey: .dueAt)
        try container.encode(JSON.string(delivery.sentAt), forKey: .sentAt)
        try container.encode(delivery.body, forKey: .body)
        try container.encode(delivery.errorCode, forKey: .errorCode)
        try container.encode(delivery.errorMessage, forKey: .errorMessage)
        try container.encode(delivery.attempts, forKey: .attempts)
    }
}
