import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseStorage

/// Partners and students for the API (issue 7): the same store changes as the SMS commands, with every
/// refusal a ``FieldError`` naming its field. A student is addressed by the link's id.
extension SelfService {
    /// The partner's students: live links and those that ended in the last week, with progress.
    func students(_ userID: UserID) async throws -> [StudentStatus] {
        try await store.studentStatuses(partnerID: userID, now: clock.now())
    }

    /// Applies a partner change for `userID` and wakes the dispatcher if it wrote to the outbox.
    func partner(_ userID: UserID, _ change: PartnerChange) async throws -> PartnerOutcome {
        let (outcome, scheduled) = try await store.applyChange(.partner(change), userID: userID, now: clock.now())
        if scheduled { wakeup.signal() }
        guard case .partner(let result) = outcome else {
            throw FieldError(status: .conflict, code: "not_applied", message: "the change could not be applied", field: nil)
        }
        return result
    }

    /// Invites `phone` under `name`; the student gets one consent request.
    func invite(_ userID: UserID, phone text: String?, name: String?) async throws -> PartnerLink {
        guard let text, !text.isEmpty else { throw FieldError.missing("phone", "phone is required (E.164, e.g. +15551234567)") }
        guard let phone = Phone(text) else { throw FieldError.invalid("phone", "phone is not a phone number") }
        guard let name else { throw FieldError.missing("name", "name is required: what you call the student") }
        if let problem = PartnerNames.problem(studentName: name) { throw FieldError.invalid("name", problem) }
        let outcome = try await partner(userID, .invite(phone: phone, name: name.trimmingCharacters(in: .whitespacesAndNewlines)))
        switch outcome {
        case .invited(let link): return link
        case .alreadyLinked: throw Self.conflict("already_linked", "that number is already linked", "phone")
        case .alreadyPending: throw Self.conflict("already_pending", "a request to that number is waiting for an answer", "phone")
        case .inviteRefused(let until):
            let message = until.map { "that number cannot be invited again before \(JSON.string($0))" }
                ?? "that number asked not to get requests from you"
            throw Self.conflict("invite_refused", message, "phone")
        case .inviteLimit(let perDay):
            var error = FieldError(
                status: .tooManyRequests, code: "invite_limit", message: "at most \(perDay) new invitations a day", field: nil)
            error.retryAfter = 3600
            throw error
        case .ownNumber: throw FieldError.invalid("phone", "that is your own number")
        case .nameTaken: throw Self.conflict("name_taken", "another of your students has that name", "name")
        case .needsDisplayName:
            throw Self.conflict("display_name_required", "set display_name in settings first: students must know who asks",
                "display_name")
        default: throw Self.conflict("not_invited", "the invitation could not be made", nil)
        }
    }

    /// Ends a link: the partner withdraws or unlinks, or the student leaves.
    func endLink(_ userID: UserID, id: Int64?) async throws {
        guard let id else { throw Self.noStudent }
        guard case .unlinked = try await partner(userID, .unlinkLink(id)) else { throw Self.noStudent }
    }

    /// The partner's active student behind `linkID` with what the partner assigned them.
    func assigned(_ userID: UserID, linkID: Int64?) async throws -> (StudentStatus, [TaskItem]) {
        guard let linkID else { throw Self.noStudent }
        switch try await partner(userID, .progress(.link(linkID))) {
        case .progress(let status, let tasks): return (status, tasks)
        case .notYetAccepted: throw Self.notAccepted
        default: throw Self.noStudent
        }
    }

    /// Assigns a task, read in the student's zone, to the partner's active student behind `linkID`.
    func assign(_ userID: UserID, linkID: Int64?, text: String?, fields: TaskFields) async throws -> TaskItem {
        guard let linkID else { throw Self.noStudent }
        let now = clock.now()
        guard let (_, studentUser) = try await store.linkedStudent(partnerID: userID, reference: .link(linkID), now: now)
        else { throw Self.noStudent }
        guard let student = studentUser else { throw Self.notAccepted }
        let assignment = try text.map { try draft(for: student, text: $0, now: now) }
            ?? draft(for: student, fields: fields, now: now)
        switch try await partner(userID, .assign(.link(linkID), assignment)) {
        case .assigned(_, let task, _): return task
        case .notYetAccepted: throw Self.notAccepted
        default: throw Self.noStudent
        }
    }

    /// A message to all active students, or to `studentIDs`; each recipient's outcome.
    func message(_ userID: UserID, text: String?, studentIDs: [Int64]?) async throws -> [MessageRecipient] {
        guard let text else { throw FieldError.missing("text", "text is required") }
        if let problem = PartnerNames.problem(message: text) { throw FieldError.invalid("text", problem) }
        if let studentIDs, studentIDs.isEmpty { throw FieldError.invalid("student_ids", "student_ids is empty; leave it out for all") }
        if let studentIDs, studentIDs.count > 500 { throw FieldError.invalid("student_ids", "at most 500 student_ids") }
        let recipients: MessageRecipients = studentIDs.map { .students($0.map { .link($0) }) } ?? .all
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch try await partner(userID, .tell(recipients, text: trimmed, spacing: PartnerNames.spacing(for: trimmed))) {
        case .told(let results): return results
        case .tellLimit(let perDay):
            var error = FieldError(
                status: .tooManyRequests, code: "message_limit", message: "at most \(perDay) messages to students a day",
                field: nil)
            error.retryAfter = 3600
            throw error
        default: throw Self.conflict("not_sent", "the message could not be sent", nil)
        }
    }

    static let noStudent = FieldError(status: .notFound, code: "not_found", message: "no such student", field: "id")
    static let notAccepted = FieldError(
        status: .conflict, code: "not_accepted", message: "the student has not said yes yet: nothing reaches them before",
        field: "id")

    static func conflict(_ code: String, _ message: String, _ field: String?) -> FieldError {
        FieldError(status: .conflict, code: code, message: message, field: field)
    }
}
