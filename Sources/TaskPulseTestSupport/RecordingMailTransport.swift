import Foundation
import Synchronization
import TaskPulseMessaging

/// A mail transport for tests: records every email and answers with scripted outcomes (accepted otherwise).
public final class RecordingMailTransport: MailTransport {
    private let state = Mutex<(sent: [OutboundMail], attempts: Int, script: [SendOutcome])>(([], 0, []))

    public init() {}

    /// Outcomes for the next sends, in order; a `.transient` or `.permanent` one records nothing as sent.
    public func script(_ outcomes: [SendOutcome]) { state.withLock { $0.script.append(contentsOf: outcomes) } }

    /// Emails accepted so far, oldest first.
    public var sent: [OutboundMail] { state.withLock { $0.sent } }

    /// Every send attempt, accepted or not.
    public var attempts: Int { state.withLock { $0.attempts } }

    public func send(_ mail: OutboundMail) async -> SendOutcome {
        state.withLock { state in
            state.attempts += 1
            if !state.script.isEmpty {
                let outcome = state.script.removeFirst()
                if case .accepted = outcome { state.sent.append(mail) }
                return outcome
            }
            state.sent.append(mail)
            return .accepted(providerMessageID: "mail-\(state.attempts)")
        }
    }
}
