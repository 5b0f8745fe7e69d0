import Foundation

/// One email to send: a text and an HTML body, and extra headers (List-Unsubscribe).
public struct OutboundMail: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var text: String
    public var html: String
    /// Extra headers in order, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058).
    public var headers: [(String, String)]

    public init(to: String, subject: String, text: String, html: String, headers: [(String, String)] = []) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.headers = headers
    }

    public static func == (lhs: OutboundMail, rhs: OutboundMail) -> Bool {
        lhs.to == rhs.to && lhs.subject == rhs.subject && lhs.text == rhs.text && lhs.html == rhs.html
            && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }
}

/// The email edge (DESIGN §1): SMTP in production, fakes in tests.
public protocol MailTransport: Sendable {
    /// Sends one email. Never throws: failures are classified (4xx and connection trouble transient,
    /// 5xx such as a refused login permanent).
    func send(_ mail: OutboundMail) async -> SendOutcome
}
