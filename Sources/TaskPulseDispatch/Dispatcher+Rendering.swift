import Foundation
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// Rendering a reminder or digest for its channels from what is true at send time.
extension Dispatcher {
    /// A scheduled message rendered for its channels, with what it said (nudged tasks, motivation line).
    struct Rendered {
        var sms: String
        var email: PreparedEmail?
        var nudged: [TaskID] = []
        var motivationLine: Int?
    }

    enum Rendering {
        /// Nothing to send (task closed, stale, quiet hours, nothing to say): the row ends with this result.
        case done(DeliveryResult)
        case message(Rendered)
    }

    /// Renders a reminder or digest from what is true now, for SMS and (if `email`) email.
    func render(_ claimed: ClaimedDelivery, email wantsEmail: Bool) async -> Rendering {
        let delivery = claimed.delivery
        let now = clock.now()
        let zone = TimeZone(identifier: claimed.user.timeZoneID) ?? .gmt
        let emailText = EmailText(
            programName: settings.programName, templates: settings.templates, zone: zone, now: now,
            unsubscribeURL: unsubscribeURL(claimed.user))
        guard delivery.kind.isDigest else {
            guard let task = claimed.task, task.status == .open else { return .done(.canceled(reason: "task no longer open")) }
            // A partner's assignment is not a time the student chose (DESIGN §3): their quiet hours hold it.
            if task.assignedBy != nil,
                let end = QuietHours.end(containing: now, settings: claimed.user.settings, zoneID: claimed.user.timeZoneID)
            {
                return .done(.retry(at: end, errorCode: nil, message: "assigned: held for quiet hours"))
            }
            let dueAt = task.remindAt ?? delivery.dueAt
            let body = ReminderText.render(
                task: task, dueAt: dueAt, now: now, programName: settings.programName, templates: settings.templates)
            return .message(Rendered(sms: body, email: wantsEmail ? emailText.reminder(task: task, dueAt: dueAt) : nil))
        }
        if let period = delivery.kind.stalePeriod, now.timeIntervalSince(delivery.scheduledFor ?? delivery.dueAt) > period {
            return .done(.canceled(reason: "stale: older than its period"))
        }
        // Downtime or retries can bring a digest into quiet hours: hold it until they end (DESIGN §3).
        if let end = QuietHours.end(containing: now, settings: claimed.user.settings, zoneID: claimed.user.timeZoneID) {
            return .done(.retry(at: end, errorCode: nil, message: "held for quiet hours"))
        }
        let content: DigestContent
        do {
            content = try await store.digestContent(userID: claimed.user.id, now: now)
        } catch {
            return .done(.retry(at: now.addingTimeInterval(settings.pollInterval), errorCode: nil, message: "digest content: \(error)"))
        }
        let text = DigestText(programName: settings.programName, templates: settings.templates, zone: zone, now: now)
        var rendered: Rendered?
        switch delivery.kind {
        case .agenda:
            rendered = text.agenda(content).map { Rendered(sms: $0, email: wantsEmail ? emailText.agenda(content) : nil) }
        case .weekly:
            rendered = text.weekly(content).map {
                Rendered(sms: $0, email: wantsEmail ? emailText.weekly(content, onTimePercent: DigestText.onTimePercent(content)) : nil)
            }
        case .nudge:
            rendered = text.nudge(content).map {
                Rendered(sms: $0, email: wantsEmail ? emailText.nudge(content) : nil, nudged: content.newlyOverdue.map(\.id))
            }
        case .motivation:
            rendered = text.motivation(content, catalog: settings.motivation).map {
                Rendered(sms: $0.text, email: wantsEmail ? emailText.motivation(line: $0.words) : nil, motivationLine: $0.index)
            }
        case .reminder, .emailVerification, .phoneCode, .linkRequest, .assignment, .partnerAlert, .partnerMessage,
            .partnerWeekly:
            break
        }
        guard let rendered else { return .done(.canceled(reason: "nothing to say")) }
        return .message(rendered)
    }
}
