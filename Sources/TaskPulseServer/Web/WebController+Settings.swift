import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseStorage

/// The settings page (zone, quiet hours, digests, channels, phone, calendar) and the deliveries log.
extension WebController {
    func addSettingsRoutes(to router: Router<TaskPulseRequestContext>) {
        router.get("/settings") { request, _ in
            try await page(request) { identity, flash in try await settingsPage(identity, flash: flash) }
        }
        router.post("/settings") { request, _ in
            try await settingsAction(request, to: "/settings") { identity, form, _ in
                _ = try await service.updateSettings(identity.userID, Self.settingsInput(form))
                return "Settings saved."
            }
        }
        router.post("/settings/phone") { request, _ in
            try await settingsAction(request, to: "/settings#phone") { identity, form, _ in
                let phone = try await service.requestPhoneCode(identity.userID, phone: form["phone"])
                return "We texted a 6-digit code to \(phone.e164). Enter it below within 10 minutes."
            }
        }
        router.post("/settings/phone/verify") { request, context in
            try await settingsAction(request, to: "/settings") { identity, form, response in
                let (user, merged) = try await service.verifyPhone(
                    identity.userID, code: form["code"], client: clientAddress.of(request, peer: context.remoteAddress))
                if merged {
                    // This account joined the person who already texts from that number: a new session names them.
                    try await store.revokeSession(id: identity.sessionID, now: service.clock.now())
                    try await sessions.signIn(user.id, on: &response)
                }
                let number = user.phone?.e164 ?? "your phone"
                return merged
                    ? "Linked \(number). Your texted tasks and these are one list now."
                    : "Linked \(number). Text the service from it to add tasks."
            }
        }
        router.post("/settings/calendar") { request, _ in
            try await action(request) { identity, _ in
                let url = try await service.rotateCalendar(identity.userID)
                // A redirect, so reloading the page does not rotate the link just copied.
                var response = WebPages.seeOther("/settings#calendar")
                sessions.flash("Your private calendar link (keep it secret; the old one stopped working): \(url)", on: &response)
                return response
            }
        }
        router.get("/deliveries") { request, _ in
            try await page(request) { identity, flash in
                let parameters = (try? QueryString(request)) ?? .empty
                let user = try await service.user(identity.userID)
                let clock = WebClock(zone: TimeZone(identifier: user.timeZoneID) ?? .gmt, now: service.clock.now())
                do {
                    let page = try await service.deliveries(identity.userID, limit: "30", cursor: parameters["cursor"])
                    var values: [String: Any] = [
                        "rows": page.items.map { Self.deliveryRow($0, clock: clock) }, "empty": page.items.isEmpty,
                    ]
                    if let cursor = page.nextCursor { values["next"] = "/deliveries?cursor=\(cursor)" }
                    return pages.render("deliveries", title: "Messages", identity: identity, flash: flash, values: values)
                } catch let refusal as FieldError {
                    return pages.render(
                        "deliveries", status: refusal.status, title: "Messages", identity: identity, error: Self.sentence(refusal),
                        values: ["rows": [[String: Any]](), "empty": true])
                }
            }
        }
    }

    /// A settings form: `body` acts and returns the notice; then a redirect to `location`, or on a
    /// refusal the settings page again with what to fix.
    func settingsAction(
        _ request: Request, to location: String,
        _ body: (WebIdentity, [String: String], inout Response) async throws -> String
    ) async throws -> Response {
        try await action(request) { identity, form in
            do {
                var response = WebPages.seeOther(location)
                let notice = try await body(identity, form, &response)
                sessions.flash(notice, on: &response)
                return response
            } catch let refusal as FieldError {
                return try await settingsPage(identity, status: refusal.status, error: Self.sentence(refusal))
            }
        }
    }

    /// The form as the service's input: an unticked box is absent from a form, so it means off.
    static func settingsInput(_ form: [String: String]) -> SettingsInput {
        func ticked(_ name: String) -> Bool { form[name] == "on" }
        var input = SettingsInput()
        input.timeZone = form["time_zone"]
        if ticked("quiet_enabled") {
            input.quietStart = form["quiet_start"].map { String($0.prefix(5)) }
            input.quietEnd = form["quiet_end"].map { String($0.prefix(5)) }
        } else {
            input.quietEnabled = false
        }
        input.morningEnabled = ticked("morning_enabled")
        input.morningTime = form["morning_time"].flatMap { $0.isEmpty ? nil : String($0.prefix(5)) }
        input.motivationEnabled = ticked("motivation_enabled")
        input.eveningTime = form["evening_time"].flatMap { $0.isEmpty ? nil : String($0.prefix(5)) }
        input.weeklyEnabled = ticked("weekly_enabled")
        var channels: [String: String] = [:]
        for kind in ChannelPreferences.routableKinds {
            if let choice = form["channel_" + kind.rawValue] { channels[kind.rawValue] = choice }
        }
        input.channels = channels
        return input
    }

    func settingsPage(
        _ identity: WebIdentity, status: HTTPResponse.Status = .ok, flash: String? = nil, error: String? = nil
    ) async throws -> Response {
        let user = try await service.user(identity.userID)
        let settings = user.settings
        let labels: [DeliveryKind: String] = [
            .reminder: "Reminders", .agenda: "Morning agenda", .nudge: "Overdue nudges", .motivation: "Evening motivation",
            .weekly: "Weekly report",
        ]
        let channels: [[String: Any]] = ChannelPreferences.routableKinds.map { kind in
            [
                "name": "channel_" + kind.rawValue, "label": labels[kind] ?? kind.rawValue,
                "options": Self.options(
                    ["sms": "Text", "email": "Email", "both": "Both"], order: ["sms", "email", "both"],
                    selected: user.channels[kind].rawValue),
            ]
        }
        var values: [String: Any] = [
            "zones": Self.zoneOptions(selected: user.timeZoneID),
            "quietEnabled": settings.quietStartMinutes != nil,
            "quietStart": APISettings.clock(settings.quietStartMinutes) ?? "21:00",
            "quietEnd": APISettings.clock(settings.quietEndMinutes) ?? "08:00",
            "morningEnabled": settings.morningEnabled, "morningTime": APISettings.clock(settings.morningMinutes) ?? "09:00",
            "motivationEnabled": settings.motivationEnabled,
            "eveningTime": APISettings.clock(settings.eveningMinutes) ?? "20:00",
            "weeklyEnabled": settings.weeklyEnabled, "channels": channels,
            "loginEmail": user.loginEmail ?? "",
            "mailAddress": user.email.address ?? "", "mailConfirmed": user.email.verifiedAt != nil,
            "mailUnsubscribed": user.email.unsubscribedAt != nil,
        ]
        if let phone = user.phone { values["phone"] = phone.e164 }
        return pages.render("settings", status: status, title: "Settings", identity: identity, flash: flash, error: error, values: values)
    }

    static func deliveryRow(_ delivery: Delivery, clock: WebClock) -> [String: Any] {
        let kinds: [DeliveryKind: String] = [
            .reminder: "Reminder", .agenda: "Agenda", .nudge: "Nudge", .motivation: "Motivation", .weekly: "Weekly report",
            .emailVerification: "Email confirmation", .phoneCode: "Phone code",
        ]
        let tone: String =
            switch delivery.status {
            case .sent, .delivered: "ok"
            case .pending, .sending: "waiting"
            default: "late"
            }
        var row: [String: Any] = [
            "kind": kinds[delivery.kind] ?? delivery.kind.rawValue, "channel": delivery.channel == .email ? "Email" : "Text",
            "status": delivery.status == .pending ? "scheduled" : delivery.status.rawValue, "tone": tone,
            "when": clock.text(delivery.sentAt ?? delivery.dueAt),
        ]
        if let body = delivery.body, !body.isEmpty { row["body"] = body }
        if let message = delivery.errorMessage { row["problem"] = message }
        return row
    }
}
