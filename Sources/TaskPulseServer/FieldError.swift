import Foundation
import Hummingbird
import Synchronization

/// A request refused for a reason the person can act on: a missing or bad field, a conflict, a limit.
///
/// The services throw it; the JSON API answers it as DESIGN §6's `{"error": {"code", "message",
/// "field"}}` (Hummingbird renders any thrown ``HTTPResponseError``) and the web pages show the
/// message beside the form. Never used for faults of our own: those stay 500s and are logged.
struct FieldError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var field: String?
    /// Seconds to wait before trying again (429s).
    var retryAfter: Int?

    static func invalid(_ field: String, _ message: String) -> FieldError {
        FieldError(status: .badRequest, code: "invalid_field", message: message, field: field)
    }

    static func missing(_ field: String, _ message: String) -> FieldError {
        FieldError(status: .badRequest, code: "missing_field", message: message, field: field)
    }

    /// Refuses the first field whose name or value holds a NUL character: no person types one, and
    /// PostgreSQL's text type cannot store it (it would otherwise surface as a 500 there).
    static func refusingNUL(_ pairs: [(String, String)]) throws {
        if let (name, _) = pairs.first(where: { $0.0.utf8.contains(0) || $0.1.utf8.contains(0) }) {
            throw FieldError.invalid(name, "\(name) contains a NUL character")
        }
    }

    static let notFound = FieldError(status: .notFound, code: "not_found", message: "no such task", field: "id")
    static let unauthorized = FieldError(
        status: .unauthorized, code: "unauthorized", message: "a valid bearer access token is required", field: nil)

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The JSON answer.
    var response: Response {
        var answer = APIError.response(status: status, code: code, message: message, field: field)
        if let retryAfter { answer.headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { answer.headers[.wwwAuthenticate] = "Bearer" }
        return answer
    }
}

/// Failed attempts per key (an account, a client address) in a sliding window: after `limit` within
/// `window`, wait until the oldest leaves it. In memory, per node: a restart forgets, and a cluster
/// counts per node (documented in docs/DECISIONS.md).
final class AttemptThrottle: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait before `key` may try again, or `nil` when it may now.
    func retryAfter(key: String, now: Date) -> TimeInterval? {
        failures.withLock { table in
            let recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < window }
            table[key] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return window - now.timeIntervalSince(oldest)
        }
    }

    func recordFailure(key: String, now: Date) {
        failures.withLock { table in
            table[key, default: []].append(now)
            if table.count > 100_000 {
                // Bounded memory under a spray of keys: forget only what has left the window.
                table = table.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            }
        }
    }

    func reset(key: String) { _ = failures.withLock { $0.removeValue(forKey: key) } }
}

/// The limits on guessing and flooding (issue 6): sign-ins per account and per client address, code
/// checks per client address (each code also dies after five wrong tries, in the store), sign-ups
/// per client address.
struct AttemptLimits: Sendable {
    var signInPerAccount = AttemptThrottle(limit: 5, window: 15 * 60)
    var signInPerAddress = AttemptThrottle(limit: 20, window: 15 * 60)
    var codeChecksPerAddress = AttemptThrottle(limit: 10, window: 15 * 60)
    /// New accounts per client address (each costs a bcrypt hash and a row).
    var signUpsPerAddress = AttemptThrottle(limit: 10, window: 60 * 60)

    /// The 429 for a throttled key.
    static func tooMany(_ wait: TimeInterval, code: String, message: String) -> FieldError {
        FieldError(
            status: .tooManyRequests, code: code, message: message, field: nil, retryAfter: Int(wait.rounded(.up)))
    }
}
