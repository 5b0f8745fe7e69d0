import Foundation
import Synchronization

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

/// One email the dev outbox received.
public struct DevMail: Sendable {
    public var id: Int
    public var at: Date
    public var mail: OutboundMail
}

/// Dev mode without `SMTP_URL`: emails are accepted and kept in memory (the newest 200) for the
/// simulator's outbox view. A restart forgets them; nothing leaves the machine.
public final class DevMailOutbox: MailTransport {
    private let state = Mutex<(nextID: Int, mails: [DevMail])>((1, []))
    public static let capacity = 200

    public init() {}

    public func send(_ mail: OutboundMail) async -> SendOutcome {
        let id = state.withLock { state -> Int in
            let id = state.nextID
            state.nextID += 1
            state.mails.append(DevMail(id: id, at: Date(), mail: mail))
            if state.mails.count > DevMailOutbox.capacity { state.mails.removeFirst(state.mails.count - DevMailOutbox.capacity) }
            return id
        }
        return .accepted(providerMessageID: "devmail-\(id)")
    }

    /// The mails kept, newest first, optionally only those to `address` (case-insensitive).
    public func mails(to address: String? = nil) -> [DevMail] {
        let all = state.withLock { $0.mails }
        return all.reversed().filter { address == nil || $0.mail.to.lowercased() == address!.lowercased() }
    }

    /// One kept mail by id.
    public func mail(id: Int) -> DevMail? {
        state.withLock { $0.mails.first { $0.id == id } }
    }
}
