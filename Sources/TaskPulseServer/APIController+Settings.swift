import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseStorage

/// `GET/PATCH /api/v1/me/settings` and `GET /api/v1/deliveries` (issue 6): the same settings the
/// SMS commands change, and the log of what was sent.
extension APIController {
    func addSettingsRoutes(to api: RouterGroup<BasicRequestContext>) {
        api.get("/me/settings") { request, _ in
            try await authenticated(request) { userID, _ in
                guard let user = try await store.user(id: userID) else { return Self.unauthorized }
                return JSON.response(.ok, APISettings(user))
            }
        }
        api.patch("/me/settings") { request, _ in
            try await authenticated(request) { userID, _ in try await updateSettings(request, userID) }
        }
        api.post("/me/phone") { request, _ in
            try await authenticated(request) { userID, _ in try await requestPhoneCode(request, userID) }
        }
        api.post("/me/phone/verify") { request, _ in
            try await authenticated(request) { userID, session in try await verifyPhone(request, userID, session) }
        }
        api.get("/deliveries") { request, _ in
            try await authenticated(request) { userID, _ in try await deliveries(request, userID) }
        }
    }

    struct SettingsInput: Decodable {
        var timeZone: String?
        var quietStart: String?
        var quietEnd: String?
        var quietEnabled: Bool?
        var morningTime: String?
        var morningEnabled: Bool?
        var eveningTime: String?
        var motivationEnabled: Bool?
        var weeklyEnabled: Bool?
        var channels: [String: String]?

        enum CodingKeys: String, CodingKey {
            case timeZone = "time_zone", quietStart = "quiet_start", quietEnd = "quiet_end", quietEnabled = "quiet_enabled"
            case morningTime = "morning_time", morningEnabled = "morning_enabled", eveningTime = "evening_time"
            case motivationEnabled = "motivation_enabled", weeklyEnabled = "weekly_enabled", channels
        }
    }

    /// Checks every field first, then applies them all: a request with one bad field changes nothing.
    func updateSettings(_ request: Request, _ userID: UserID) async throws -> Response {
        let input = try await JSON.decode(SettingsInput.self, from: request)
        func bad(_ field: String, _ message: String) -> Response {
            APIError.response(status: .badRequest, code: "invalid_field", message: message, field: field)
        }
        var changes: [TaskChange] = []
        if let zone = input.timeZone {
            guard TimeZone(identifier: zone) != nil else { return bad("time_zone", "time_zone is not an IANA time zone") }
            changes.append(.settings(.timeZone(zone)))
        }
        if input.quietEnabled == false {
            changes.append(.settings(.quiet(startMinutes: nil, endMinutes: nil)))
        } else if input.quietStart != nil || input.quietEnd != nil {
            guard let start = input.quietStart.flatMap(Self.minutes) else { return bad("quiet_start", "quiet_start is HH:MM") }
            guard let end = input.quietEnd.flatMap(Self.minutes) else { return bad("quiet_end", "quiet_end is HH:MM") }
            guard start != end else { return bad("quiet_end", "quiet hours cannot start and end at the same time") }
            changes.append(.settings(.quiet(startMinutes: start, endMinutes: end)))
        }
        if input.morningTime != nil || input.morningEnabled != nil {
            var minutes: Int?
            if let text = input.morningTime {
                guard let value = Self.minutes(text) else { return bad("morning_time", "morning_time is HH:MM") }
                minutes = value
            }
            changes.append(.settings(.morning(minutes: minutes, enabled: input.morningEnabled)))
        }
        if input.eveningTime != nil || input.motivationEnabled != nil {
            var minutes: Int?
            if let text = input.eveningTime {
                guard let value = Self.minutes(text) else { return bad("evening_time", "evening_time is HH:MM") }
                minutes = value
            }
            changes.append(.settings(.evening(minutes: minutes, enabled: input.motivationEnabled)))
        }
        if let weekly = input.weeklyEnabled { changes.append(.settings(.weekly(enabled: weekly))) }
        for (name, value) in (input.channels ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let kind = DeliveryKind(rawValue: name), ChannelPreferences.routableKinds.contains(kind) else {
                return bad("channels.\(name)", "channels take reminder, agenda, nudge, motivation and weekly")
            }
            guard let choice = ChannelChoice(rawValue: value) else {
                return bad("channels.\(name)", "a channel is sms, email or both")
            }
            changes.append(.setChannels([kind], choice))
        }
        let now = clock.now()
        for change in changes { _ = try await store.applyChange(change, userID: userID, now: now) }
        if !changes.isEmpty { wakeup.signal() }
        guard let user = try await store.user(id: userID) else { return Self.unauthorized }
        return JSON.response(.ok, APISettings(user))
    }

    func deliveries(_ request: Request, _ userID: UserID) async throws -> Response {
        var limit = 50
        if let text = request.uri.queryParameters.get("limit") {
            guard let value = Int(text), (1...200).contains(value) else {
                return APIError.response(status: .badRequest, code: "invalid_field", message: "limit is 1 to 200", field: "limit")
            }
            limit = value
        }
        var before: Int64?
        if let text = request.uri.queryParameters.get("cursor") {
            guard let value = Int64(text), value > 0 else {
                return APIError.response(status: .badRequest, code: "invalid_field", message: "cursor is not valid", field: "cursor")
            }
            before = value
        }
        let rows = try await store.deliveryLog(userID: userID, beforeID: before.map(DeliveryID.init), limit: limit + 1)
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { String($0.id.rawValue) } : nil
        return JSON.response(.ok, APIPage(items: page.map(APIDelivery.init), nextCursor: next))
    }

    struct PhoneInput: Decodable {
        var phone: String?
        var code: String?
    }

    /// Sends a 6-digit code by SMS to the number to link.
    func requestPhoneCode(_ request: Request, _ userID: UserID) async throws -> Response {
        let input = try await JSON.decode(PhoneInput.self, from: request)
        guard let text = input.phone, !text.isEmpty else {
            return APIError.response(status: .badRequest, code: "missing_field", message: "phone is required", field: "phone")
        }
        guard let phone = Phone(text) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "phone is not a phone number", field: "phone")
        }
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000))
        switch try await store.requestPhoneCode(userID: userID, phone: phone, code: code, now: clock.now()) {
        case .sent:
            wakeup.signal()
            return JSON.response(.accepted, ["phone": phone.e164, "expires_in": "600"])
        case .rateLimited:
            return APIError.response(
                status: .tooManyRequests, code: "too_many_codes", message: "three codes an hour at most; try later", field: "phone")
        case .alreadyLinked:
            return APIError.response(
                status: .conflict, code: "phone_already_linked", message: "this account already has a phone", field: "phone")
        }
    }

    /// Checks the code. When the number already texted the service, the account joins that person: the
    /// answer carries new tokens (the old ones named the account that is gone).
    func verifyPhone(_ request: Request, _ userID: UserID, _ session: String) async throws -> Response {
        let input = try await JSON.decode(PhoneInput.self, from: request)
        guard let code = input.code?.trimmingCharacters(in: .whitespaces), !code.isEmpty else {
            return APIError.response(status: .badRequest, code: "missing_field", message: "code is required", field: "code")
        }
        switch try await store.verifyPhoneCode(userID: userID, code: code, now: clock.now()) {
        case .linked(let person, let merged):
            guard let user = try await store.user(id: person) else { return Self.unauthorized }
            var body: [String: AnyEncodable] = ["me": AnyEncodable(APIMe(user)), "merged": AnyEncodable(merged)]
            if merged {
                try await store.revokeSession(id: session, now: clock.now())
                body["tokens"] = AnyEncodable(try await tokens.startSession(for: person))
            }
            return JSON.response(.ok, body)
        case .wrongCode(let left):
            return APIError.response(
                status: .badRequest, code: "wrong_code", message: "that code is not right; \(left) tries left", field: "code")
        case .noCode:
            return APIError.response(
                status: .gone, code: "no_code", message: "no live code: ask for a new one", field: "code")
        }
    }

    /// "07:30" -> 450.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
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
        case emailUnsubscribed = "email_unsubscribed"
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
