import Foundation

/// The SMTP client's decisions as a pure state machine (STYLE.md §5): replies in, actions out.
/// The NIO handler only moves bytes; every protocol rule lives here, tested without a network.
struct SMTPConversation {
    enum Step: Equatable {
        case greeting, ehlo, startTLS, ehloAfterTLS, auth, mailFrom, recipient, data, message, quit, finished
    }

    enum Action: Equatable {
        case send(String)
        case upgradeToTLS
        /// The message was accepted (the server's reply text).
        case accepted(String)
        /// A refusal: 4xx and protocol surprises are transient, 5xx permanent.
        case failed(code: Int?, message: String, transient: Bool)
    }

    let settings: SMTPSettings
    let recipient: String
    /// The whole message, headers and body, with CRLF line ends (dot-stuffed when sent).
    let message: String
    let clientName: String
    private(set) var step: Step = .greeting
    private var tlsActive: Bool

    init(settings: SMTPSettings, recipient: String, message: String, clientName: String = "taskpulse.local") {
        self.settings = settings
        self.recipient = recipient
        self.message = message
        self.clientName = clientName
        self.tlsActive = settings.security == .implicitTLS
    }

    /// The next actions after a complete reply (`lines` without the code and separator).
    mutating func receive(code: Int, lines: [String]) -> [Action] {
        func fail(_ text: String? = nil) -> [Action] {
            step = .finished
            let message = text ?? "\(code) " + lines.joined(separator: " ")
            return [.failed(code: code, message: message, transient: !(500...599).contains(code))]
        }
        switch step {
        case .greeting:
            guard code == 220 else { return fail() }
            step = .ehlo
            return [.send("EHLO \(clientName)")]
        case .ehlo, .ehloAfterTLS:
            guard code == 250 else { return fail() }
            let capabilities = Set(lines.map { $0.uppercased().split(separator: " ").first.map(String.init) ?? "" })
            if !tlsActive, settings.security == .startTLSRequired || settings.security == .startTLSOptional {
                if capabilities.contains("STARTTLS") {
                    step = .startTLS
                    return [.send("STARTTLS")]
                }
                if settings.security == .startTLSRequired {
                    step = .finished
                    return [.failed(code: nil, message: "the server does not offer STARTTLS; refusing to send credentials in clear", transient: false)]
                }
            }
            return authenticateOrSend()
        case .startTLS:
            guard code == 220 else { return fail() }
            return [.upgradeToTLS]
        case .auth:
            guard code == 235 else { return fail() }
            step = .mailFrom
            return [.send("MAIL FROM:<\(settings.from)>")]
        case .mailFrom:
            guard code == 250 else { return fail() }
            step = .recipient
            return [.send("RCPT TO:<\(recipient)>")]
        case .recipient:
            guard code == 250 || code == 251 else { return fail() }
            step = .data
            return [.send("DATA")]
        case .data:
            guard code == 354 else { return fail() }
            step = .message
            return [.send(SMTPConversation.dotStuffed(message) + "\r\n.")]
        case .message:
            guard code == 250 else { return fail() }
            // Accepted now: a connection lost after this must not send the email again. QUIT is a courtesy.
            step = .finished
            return [.send("QUIT"), .accepted(lines.joined(separator: " "))]
        case .quit:
            step = .finished
            return []
        case .finished:
            return []
        }
    }

    /// TLS is up after STARTTLS: greet again (RFC 3207 forgets what was said before).
    mutating func tlsEstablished() -> [Action] {
        tlsActive = true
        step = .ehloAfterTLS
        return [.send("EHLO \(clientName)")]
    }

    private mutating func authenticateOrSend() -> [Action] {
        if let username = settings.username, let password = settings.password {
            step = .auth
            let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
            return [.send("AUTH PLAIN \(token)")]
        }
        step = .mailFrom
        return [.send("MAIL FROM:<\(settings.from)>")]
    }
}

extension SMTPConversation {
    /// RFC 5321 §4.5.2: a line that starts with "." gets one more, so no line of the message can end
    /// the DATA phase early (a lone "." would otherwise cut the message there).
    static func dotStuffed(_ message: String) -> String {
        message.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }
}

/// Builds an RFC 5322 message: multipart/alternative text and HTML, UTF-8, base64 bodies.
enum MailComposer {
    static func compose(_ mail: OutboundMail, from: String, messageID: String, date: Date) -> String {
        let boundary = "tp-" + UUID().uuidString
        var lines = [
            "From: \(from)", "To: \(mail.to)", "Subject: \(encodedHeader(mail.subject))", "Date: \(rfc5322(date))",
            "Message-ID: <\(messageID)>", "MIME-Version: 1.0",
        ]
        lines += mail.headers.map { "\($0.0): \($0.1)" }
        lines += [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "", "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
        ]
        lines += base64Lines(mail.text)
        lines += ["--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        lines += base64Lines(mail.html)
        lines.append("--\(boundary)--")
        // Dot-stuffing happens when the DATA is sent (SMTPConversation.dotStuffed).
        return lines.joined(separator: "\r\n")
    }

    /// RFC 2047 for a header with non-ASCII text.
    static func encodedHeader(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) { return text }
        return "=?UTF-8?B?" + Data(text.utf8).base64EncodedString() + "?="
    }

    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines.isEmpty ? [""] : lines
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
