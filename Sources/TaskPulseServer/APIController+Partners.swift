import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseStorage

/// Partner endpoints (issue 7): students, links (invite, revoke), assignments and messages. A student is
/// addressed by the id of the link; consent itself only ever comes by SMS from the student's phone.
extension APIController {
    func addPartnerRoutes(to api: RouterGroup<TaskPulseRequestContext>) {
        api.get("/students") { request, _ in
            let userID = try await authenticated(request).userID
            let students = try await service.students(userID)
            return JSON.response(.ok, APIPage(items: students.map(APIStudent.init), nextCursor: nil))
        }
        api.post("/students/messages") { request, _ in
            let userID = try await authenticated(request).userID
            let input = try await JSON.decode(MessageInput.self, from: request)
            let results = try await service.message(userID, text: input.text, studentIDs: input.studentIDs)
            return JSON.response(.ok, APIMessageResult(results))
        }
        api.get("/students/{id}/tasks") { request, context in
            let userID = try await authenticated(request).userID
            let (_, tasks) = try await service.assigned(userID, linkID: context.parameters.get("id", as: Int64.self))
            return JSON.response(.ok, APIPage(items: tasks.map(APITask.init), nextCursor: nil))
        }
        api.post("/students/{id}/tasks") { request, context in
            let userID = try await authenticated(request).userID
            let input = try await JSON.decode(TaskInput.self, from: request)
            let task = try await service.assign(
                userID, linkID: context.parameters.get("id", as: Int64.self), text: input.text,
                fields: input.text == nil ? try input.fields() : TaskFields())
            return JSON.response(.created, APITask(task))
        }
        api.get("/links") { request, _ in
            let userID = try await authenticated(request).userID
            let links = try await store.links(userID: userID, now: clock.now())
            return JSON.response(.ok, APIPage(items: links.map { APILink($0, viewer: userID) }, nextCursor: nil))
        }
        api.post("/links") { request, _ in
            let userID = try await authenticated(request).userID
            let input = try await JSON.decode(LinkInput.self, from: request)
            let link = try await service.invite(userID, phone: input.phone, name: input.name)
            return JSON.response(.created, APILink(link, viewer: userID))
        }
        api.delete("/links/{id}") { request, context in
            let userID = try await authenticated(request).userID
            try await service.endLink(userID, id: context.parameters.get("id", as: Int64.self))
            return Response(status: .noContent)
        }
    }

    struct LinkInput: Decodable {
        var phone: String?
        var name: String?
    }

    struct MessageInput: Decodable {
        var text: String?
        var studentIDs: [Int64]?
        enum CodingKeys: String, CodingKey { case text, studentIDs = "student_ids" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try container.decodeIfPresent(String.self, forKey: .text)
            // Absent means every student; an explicit null is a mistake, not "everyone".
            if container.contains(.studentIDs), try container.decodeNil(forKey: .studentIDs) {
                throw FieldError.invalid("student_ids", "student_ids is a list of student ids; leave it out for all")
            }
            studentIDs = try container.decodeIfPresent([Int64].self, forKey: .studentIDs)
        }
    }
}

/// A link as one of its two sides sees it.
struct APILink: Encodable {
    let link: PartnerLink
    let viewer: UserID

    init(_ link: PartnerLink, viewer: UserID) {
        self.link = link
        self.viewer = viewer
    }

    enum CodingKeys: String, CodingKey {
        case id, role, status, studentName = "student_name", studentPhone = "student_phone", partner
        case invitedAt = "invited_at", expiresAt = "expires_at", respondedAt = "responded_at", endedAt = "ended_at"
        case endedBy = "ended_by"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let asPartner = link.partnerID == viewer
        try container.encode(link.id, forKey: .id)
        try container.encode(asPartner ? "partner" : "student", forKey: .role)
        try container.encode(link.status.rawValue, forKey: .status)
        // A student sees who the partner is; the partner's name for the student is the partner's own.
        try container.encode(asPartner ? link.studentName : nil, forKey: .studentName)
        try container.encode(asPartner ? link.studentPhone.e164 : nil, forKey: .studentPhone)
        try container.encode(link.partnerLabel, forKey: .partner)
        try container.encode(JSON.string(link.invitedAt), forKey: .invitedAt)
        try container.encode(JSON.string(link.expiresAt), forKey: .expiresAt)
        try container.encode(JSON.string(link.respondedAt), forKey: .respondedAt)
        try container.encode(JSON.string(link.endedAt), forKey: .endedAt)
        try container.encode(link.endedBy, forKey: .endedBy)
    }
}

/// A student as their partner sees them: the link and progress on assigned tasks only.
struct APIStudent: Encodable {
    let status: StudentStatus

    init(_ status: StudentStatus) { self.status = status }

    enum CodingKeys: String, CodingKey {
        case id, name, phone, status, invitedAt = "invited_at", expiresAt = "expires_at", linkedAt = "linked_at"
        case endedAt = "ended_at", timeZone = "time_zone", progress
    }

    enum ProgressKeys: String, CodingKey {
        case open, overdue, doneThisWeek = "done_this_week", doneOnTimeThisWeek = "done_on_time_this_week"
        case doneTotal = "done_total", nextDueAt = "next_due_at"
    }

    func encode(to encoder: any Encoder) throws {
        let link = status.link
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(link.id, forKey: .id)
        try container.encode(link.studentName, forKey: .name)
        try container.encode(link.studentPhone.e164, forKey: .phone)
        try container.encode(link.status.rawValue, forKey: .status)
        try container.encode(JSON.string(link.invitedAt), forKey: .invitedAt)
        try container.encode(JSON.string(link.expiresAt), forKey: .expiresAt)
        try container.encode(JSON.string(link.status == .active ? link.respondedAt : nil), forKey: .linkedAt)
        try container.encode(JSON.string(link.endedAt), forKey: .endedAt)
        try container.encode(status.timeZoneID, forKey: .timeZone)
        guard link.status == .active else {
            try container.encodeNil(forKey: .progress)
            return
        }
        let progress = status.progress
        var nested = container.nestedContainer(keyedBy: ProgressKeys.self, forKey: .progress)
        try nested.encode(progress.open, forKey: .open)
        try nested.encode(progress.overdue, forKey: .overdue)
        try nested.encode(progress.doneThisWeek, forKey: .doneThisWeek)
        try nested.encode(progress.doneOnTimeThisWeek, forKey: .doneOnTimeThisWeek)
        try nested.encode(progress.doneTotal, forKey: .doneTotal)
        try nested.encode(JSON.string(progress.nextDue?.dueAt), forKey: .nextDueAt)
    }
}

/// What a message to students did, per recipient.
struct APIMessageResult: Encodable {
    let recipients: [MessageRecipient]

    init(_ recipients: [MessageRecipient]) { self.recipients = recipients }

    enum CodingKeys: String, CodingKey { case reached, results }
    enum ResultKeys: String, CodingKey { case studentID = "student_id", name, outcome, sendAt = "send_at" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let reached = recipients.filter { if case .queued = $0.outcome { true } else { false } }.count
        try container.encode(reached, forKey: .reached)
        var results = container.nestedUnkeyedContainer(forKey: .results)
        for recipient in recipients {
            var item = results.nestedContainer(keyedBy: ResultKeys.self)
            if let link = recipient.link { try item.encode(link.id, forKey: .studentID) }
            try item.encode(recipient.link?.studentName, forKey: .name)
            switch recipient.outcome {
            case .queued:
                try item.encode("queued", forKey: .outcome)
                try item.encode(JSON.string(recipient.arrival?.at), forKey: .sendAt)
            case .optedOut:
                try item.encode("opted_out", forKey: .outcome)
                try item.encodeNil(forKey: .sendAt)
            case .notLinked:
                try item.encode("not_linked", forKey: .outcome)
                try item.encodeNil(forKey: .sendAt)
            case .unknown(let reference):
                try item.encode(Int64(reference), forKey: .studentID)
                try item.encode("unknown", forKey: .outcome)
                try item.encodeNil(forKey: .sendAt)
            }
        }
    }

}
