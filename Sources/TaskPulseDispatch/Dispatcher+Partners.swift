import Foundation
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage
import TaskPulseTiming

/// Messages between partners and students (issue 7). Each is decided from what is true when it is sent:
/// a consent request only while its invitation waits, anything else only while the link is active (the
/// notice that a link ended excepted), never after STOP, and never in the recipient's quiet hours.
extension Dispatcher {
    func sendPartnerMessage(_ claimed: ClaimedDelivery) async -> DeliveryResult {
        let delivery = claimed.delivery
        let now = clock.now()
        // The weekly summary is a digest run of the partner's schedule: it carries no link.
        if delivery.kind == .partnerWeekly { return await sendPartnerWeekly(claimed, now: now) }
        guard let payload = PartnerPayload.decode(delivery.payload) else {
            return .failed(errorCode: nil, message: "unreadable partner payload")
        }
        let link: PartnerLink
        do {
            guard let found = try await store.partnerLink(id: payload.link) else {
                return .canceled(reason: "link no longer exists")
            }
            link = found
        } catch {
            return .retry(at: now.addingTimeInterval(settings.pollInterval), errorCode: nil, message: "\(error)")
        }
        if delivery.kind == .linkRequest { return await sendLinkRequest(claimed, link: link, now: now) }
        let endedNotice = payload.event == "ended"
        if !endedNotice && link.status != .active { return .canceled(reason: "link no longer active") }
        if claimed.user.isOptedOut { return .suppressed(reason: "recipient opted out") }
        if claimed.user.numberInvalidAt != nil { return .suppressed(reason: "number marked invalid") }
        if let end = QuietHours.end(containing: now, settings: claimed.user.settings, zoneID: claimed.user.timeZoneID) {
            return .retry(at: end, errorCode: nil, message: "held for quiet hours")
        }
        let clock = DigestClock(zone: TimeZone(identifier: claimed.user.timeZoneID) ?? .gmt)
        var data: [String: Any] = ["program": settings.programName, "partner": link.partnerLabel, "student": link.studentName]
        let template: String
        switch delivery.kind {
        case .assignment:
            guard let task = claimed.task, task.status == .open else { return .canceled(reason: "task no longer open") }
            template = "sms/assignment"
            data["number"] = task.number
            data["title"] = task.title
            if let due = task.dueAt { data["due"] = "\(clock.day(due)) \(clock.time(due))" }
        case .partnerMessage:
            if endedNotice {
                template = "sms/link_ended"
            } else {
                guard let text = payload.text else { return .failed(errorCode: nil, message: "message without text") }
                template = "sms/partner_message"
                data["text"] = text
            }
        default:
            template = "sms/partner_alert"
            switch payload.event {
            case "accepted": data["accepted"] = true
            case "ended": data["ended"] = true
            case "done":
                guard claimed.user.partnerAlerts.done else { return .canceled(reason: "done alerts off") }
                guard let task = claimed.task, task.status == .done else { return .canceled(reason: "task no longer done") }
                data["done"] = true
                data["title"] = task.title
                data["on_time"] = task.dueAt.map { (task.completedAt ?? now) <= $0 } ?? false
            case "overdue":
                guard claimed.user.partnerAlerts.overdue else { return .canceled(reason: "overdue alerts off") }
                guard let task = claimed.task, task.status == .open, let due = task.dueAt,
                    due.addingTimeInterval(PartnerLimits.overdueGrace) <= now
                else { return .canceled(reason: "task no longer overdue") }
                data["overdue"] = true
                data["title"] = task.title
                data["due"] = "\(clock.day(due)) \(clock.time(due))"
            default:
                return .failed(errorCode: nil, message: "unknown partner alert \(payload.event ?? "-")")
            }
        }
        let body = settings.templates.render(template, data)
        return await send(body, to: claimed) { .sent(providerMessageID: $0, body: body) }
    }

    /// The one consent request, to the invited number (the row is the partner's). It goes only while the
    /// invitation waits, never to a number that texted STOP, and waits out the number's quiet hours (its
    /// own settings if it has texted, else the default window in the zone its area code suggests).
    private func sendLinkRequest(_ claimed: ClaimedDelivery, link: PartnerLink, now: Date) async -> DeliveryResult {
        guard link.status(at: now) == .pending else { return .canceled(reason: "invitation no longer pending") }
        let recipient: User?
        do {
            recipient = try await store.user(phone: link.studentPhone)
        } catch {
            return .retry(at: now.addingTimeInterval(settings.pollInterval), errorCode: nil, message: "\(error)")
        }
        if let recipient, recipient.isOptedOut { return .suppressed(reason: "recipient opted out") }
        if let recipient, recipient.numberInvalidAt != nil { return .suppressed(reason: "number marked invalid") }
        let zoneID = recipient?.timeZoneID ?? PhoneZoneGuess.zone(for: link.studentPhone) ?? claimed.user.timeZoneID
        if let end = QuietHours.end(containing: now, settings: recipient?.settings ?? UserSettings(), zoneID: zoneID) {
            return .retry(at: end, errorCode: nil, message: "held for the recipient's quiet hours")
        }
        let clock = DigestClock(zone: TimeZone(identifier: zoneID) ?? .gmt)
        let body = settings.templates.render(
            "sms/link_request",
            ["program": settings.programName, "partner": link.partnerLabel, "expires": clock.day(link.expiresAt)])
        var target = claimed
        target.user.phone = link.studentPhone
        let result = await send(body, to: target) { .sent(providerMessageID: $0, body: body) }
        switch result {
        // The number is not the partner's: Twilio's verdict about it must not mark the partner.
        case .recipientOptedOut(let code, let message), .recipientInvalid(let code, let message):
            return .failed(errorCode: code, message: message)
        default:
            return result
        }
    }

    /// The partner's weekly summary: one line per active student (five at most, then "+N more").
    private func sendPartnerWeekly(_ claimed: ClaimedDelivery, now: Date) async -> DeliveryResult {
        let partner = claimed.user
        guard partner.partnerAlerts.weekly else { return .canceled(reason: "weekly summary off") }
        if let period = DeliveryKind.partnerWeekly.stalePeriod,
            now.timeIntervalSince(claimed.delivery.scheduledFor ?? claimed.delivery.dueAt) > period
        {
            return .canceled(reason: "stale: older than its period")
        }
        if partner.isOptedOut { return .suppressed(reason: "recipient opted out") }
        if let end = QuietHours.end(containing: now, settings: partner.settings, zoneID: partner.timeZoneID) {
            return .retry(at: end, errorCode: nil, message: "held for quiet hours")
        }
        let students: [StudentStatus]
        do {
            students = try await store.studentStatuses(partnerID: partner.id, now: now).filter { $0.link.status == .active }
        } catch {
            return .retry(at: now.addingTimeInterval(settings.pollInterval), errorCode: nil, message: "\(error)")
        }
        guard !students.isEmpty else { return .canceled(reason: "no linked students") }
        let clock = DigestClock(zone: TimeZone(identifier: partner.timeZoneID) ?? .gmt)
        var lines = students.prefix(5).map { PartnerSummaryLine.text($0, day: clock.day) }
        if students.count > 5 { lines.append("+\(students.count - 5) more: text STUDENTS") }
        let body = settings.templates.render(
            "sms/partner_weekly", ["program": settings.programName, "lines": lines.joined(separator: "\n")])
        return await send(body, to: claimed) {
            .sentDigest(providerMessageID: $0, body: body, nudgedTaskIDs: [], motivationLine: nil)
        }
    }
}

/// One line about a student's assigned tasks ("Sam: 3 of 4 done this week, 1 overdue, next Thu Nov 26").
public enum PartnerSummaryLine {
    public static func text(_ status: StudentStatus, day: (Date) -> String) -> String {
        let progress = status.progress
        guard status.link.status == .active else {
            return "\(status.link.studentName): \(status.link.status == .pending ? "waiting for yes" : status.link.status.rawValue)"
        }
        let week = progress.doneThisWeek + progress.open
        var parts = ["\(progress.doneThisWeek) of \(week) done this week"]
        if week == 0 { parts = ["nothing assigned this week"] }
        if progress.overdue > 0 { parts.append("\(progress.overdue) overdue") }
        if let next = progress.nextDue?.dueAt { parts.append("next \(day(next))") }
        return "\(status.link.studentName): " + parts.joined(separator: ", ")
    }
}
