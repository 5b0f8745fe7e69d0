import Foundation
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// Email rows: address confirmations and the email copies of scheduled messages (issue 5).
extension Dispatcher {
    /// The person's one-click unsubscribe link (RFC 8058), or empty when they have no confirmed address.
    func unsubscribeURL(_ user: User) -> String {
        guard let token = user.email.unsubscribeToken else { return "" }
        return settings.publicURL + "/email/unsubscribe?token=" + token
    }

    /// Sends an email row: an address confirmation, or the copy of a scheduled message.
    func sendEmailRow(_ claimed: ClaimedDelivery) async -> DeliveryResult {
        let delivery = claimed.delivery
        guard let mail else { return .failed(errorCode: nil, message: "no mail server configured (SMTP_URL)") }
        guard let payload = delivery.payload.map({ Data($0.utf8) }) else {
            return .failed(errorCode: nil, message: "email row without content")
        }
        if delivery.kind == .emailVerification {
            guard let request = try? JSONDecoder().decode(EmailVerificationPayload.self, from: payload) else {
                return .failed(errorCode: nil, message: "unreadable verification payload")
            }
            // A newer request replaced this link (or it expired while the mail server was down): say nothing.
            do {
                guard try await store.pendingEmailVerification(token: request.token, now: clock.now()) != nil else {
                    return .canceled(reason: "confirmation link replaced or expired")
                }
            } catch {
                return .retry(at: clock.now().addingTimeInterval(settings.pollInterval), errorCode: nil, message: "\(error)")
            }
            let link = settings.publicURL + "/email/verify?token=" + request.token
            guard let email = EmailText.verification(
                programName: settings.programName, templates: settings.templates, address: request.address, link: link,
                hours: 24)
            else { return .failed(errorCode: nil, message: "the verification template rendered empty") }
            // The recorded body names the address, never the link: the outbox keeps no usable secret.
            return await send(OutboundMail(to: request.address, subject: email.subject, text: email.text, html: email.html),
                via: mail, attempts: delivery.attempts, recorded: "Confirmation link sent to \(request.address)")
        }
        // Email has its own consent (DESIGN §3): re-read at send time, like the SMS opt-out.
        guard let address = claimed.user.email.address, claimed.user.email.verifiedAt != nil else {
            return .suppressed(reason: "no confirmed email address")
        }
        if claimed.user.email.unsubscribedAt != nil { return .suppressed(reason: "unsubscribed from email") }
        if delivery.kind == .reminder, claimed.task?.status != .open { return .canceled(reason: "task no longer open") }
        if let period = delivery.kind.stalePeriod,
            clock.now().timeIntervalSince(delivery.scheduledFor ?? delivery.dueAt) > period
        {
            return .canceled(reason: "stale: older than its period")
        }
        guard let email = try? JSONDecoder().decode(PreparedEmail.self, from: payload) else {
            return .failed(errorCode: nil, message: "unreadable email payload")
        }
        var headers: [(String, String)] = []
        let unsubscribe = unsubscribeURL(claimed.user)
        if !unsubscribe.isEmpty {
            headers = [("List-Unsubscribe", "<\(unsubscribe)>")]
            // RFC 8058 one-click (mail clients POST "List-Unsubscribe=One-Click") requires an https URL.
            if unsubscribe.hasPrefix("https://") { headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")) }
        }
        return await send(
            OutboundMail(to: address, subject: email.subject, text: email.text, html: email.html, headers: headers),
            via: mail, attempts: delivery.attempts, recorded: "Subject: \(email.subject)\n\n\(email.text)")
    }

    /// Sends one email and classifies the outcome (4xx and connection trouble retried, 5xx permanent).
    func send(_ message: OutboundMail, via mail: any MailTransport, attempts: Int, recorded: String) async
        -> DeliveryResult
    {
        switch await mail.send(message) {
        case .accepted(let id):
            return .sent(providerMessageID: id, body: recorded)
        case .transient(let code, let text, let retryAfter):
            guard let delay = settings.retryPolicy.delay(
                afterAttempt: attempts, retryAfter: retryAfter, random: Double.random(in: 0..<1))
            else { return .dead(errorCode: code, message: text) }
            return .retry(at: clock.now().addingTimeInterval(delay), errorCode: code, message: text)
        case .recipientOptedOut(let code, let text), .recipientInvalid(let code, let text):
            return .failed(errorCode: code, message: text)
        case .permanent(let code, let text):
            return .failed(errorCode: code, message: text)
        }
    }
}
