import Foundation
import Hummingbird
import Logging
import NIOCore
import TaskPulseDomain
import TaskPulseStorage

/// The JSON API under `/api/v1` (DESIGN §6, issue 6): accounts, sessions and the person's own tasks.
/// Reads JSON and query strings, asks ``SelfService``, answers JSON; refusals are thrown
/// ``FieldError``s that Hummingbird renders. Another person's task is a 404, never a 403.
struct APIController: Sendable {
    let service: SelfService
    let tokens: AuthTokens
    let clientAddress: ClientAddress
    var programName = "TaskPulse"

    /// Largest JSON body accepted.
    static let maximumBody = 64 * 1024

    var store: any TaskStore { service.store }
    var clock: any WallClock { service.clock }

    func addRoutes(to router: Router<TaskPulseRequestContext>) {
        let api = router.group("/api/v1")
        api.post("/auth/register") { request, context in
            let input = try await JSON.decode(Credentials.self, from: request)
            let user = try await service.register(
                email: input.email, password: input.password, timeZone: input.timeZone,
                client: clientAddress.of(request, peer: context.remoteAddress))
            return JSON.response(.created, try await tokens.startSession(for: user.id))
        }
        api.post("/auth/login") { request, context in
            let input = try await JSON.decode(Credentials.self, from: request)
            let user = try await service.signIn(
                email: input.email, password: input.password, client: clientAddress.of(request, peer: context.remoteAddress))
            return JSON.response(.ok, try await tokens.startSession(for: user.id))
        }
        api.post("/auth/refresh") { request, _ in try await refresh(request) }
        api.post("/auth/logout") { request, _ in
            let (_, session) = try await authenticated(request)
            try await store.revokeSession(id: session, now: clock.now())
            return Response(status: .noContent)
        }
        api.get("/me") { request, _ in
            JSON.response(.ok, APIMe(try await service.user(try await authenticated(request).userID)))
        }
        api.get("/tasks") { request, _ in
            let userID = try await authenticated(request).userID
            let parameters = try QueryString(request)
            let query = try SelfService.taskQuery { parameters[$0] }
            let page = try await service.tasks(userID, query)
            return JSON.response(.ok, APIPage(items: page.items.map(APITask.init), nextCursor: page.nextCursor))
        }
        api.post("/tasks") { request, _ in
            let userID = try await authenticated(request).userID
            let input = try await JSON.decode(TaskInput.self, from: request)
            let task =
                if let text = input.text { try await service.create(userID, text: text) } else {
                    try await service.create(userID, fields: try input.fields())
                }
            return JSON.response(.created, APITask(task))
        }
        api.get("/tasks/{id}") { request, context in
            let userID = try await authenticated(request).userID
            return JSON.response(.ok, APITask(try await service.task(userID, id: context.parameters.get("id", as: Int64.self))))
        }
        api.patch("/tasks/{id}") { request, context in
            let userID = try await authenticated(request).userID
            let fields = try await JSON.decode(TaskInput.self, from: request).fields()
            let task = try await service.update(userID, id: context.parameters.get("id", as: Int64.self), fields: fields)
            return JSON.response(.ok, APITask(task))
        }
        api.delete("/tasks/{id}") { request, context in
            let userID = try await authenticated(request).userID
            try await service.delete(userID, id: context.parameters.get("id", as: Int64.self))
            return Response(status: .noContent)
        }
        api.post("/tasks/{id}/complete") { request, context in
            let userID = try await authenticated(request).userID
            return JSON.response(
                .ok, APITask(try await service.complete(userID, id: context.parameters.get("id", as: Int64.self))))
        }
        addSettingsRoutes(to: api)
        addPartnerRoutes(to: api)
        addCalendarRoutes(to: router, api: api, programName: programName)
    }

    struct Credentials: Decodable {
        var email: String?
        var password: String?
        var timeZone: String?

        enum CodingKeys: String, CodingKey {
            case email, password, timeZone = "time_zone"
        }
    }

    struct RefreshInput: Decodable {
        var refreshToken: String?
        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    func refresh(_ request: Request) async throws -> Response {
        let input = try await JSON.decode(RefreshInput.self, from: request)
        guard let token = input.refreshToken, !token.isEmpty else {
            throw FieldError.missing("refresh_token", "refresh_token is required")
        }
        switch try await tokens.refresh(token) {
        case .success(let issued): return JSON.response(.ok, issued)
        case .failure(.reused):
            throw FieldError(
                status: .unauthorized, code: "refresh_token_reused",
                message: "this refresh token was already used; the session is ended, sign in again", field: "refresh_token")
        case .failure(.invalid):
            throw FieldError(
                status: .unauthorized, code: "invalid_refresh_token", message: "refresh token unknown, expired or revoked",
                field: "refresh_token")
        }
    }

    /// A task as JSON sends it: instants as RFC 3339 strings.
    struct TaskInput: Decodable {
        var text: String?
        var title: String?
        var dueAt: String?
        var remindAt: String?
        var priority: Int?
        /// `"priority": null`: take the priority away (absent leaves it as it is).
        var priorityIsNull = false

        enum CodingKeys: String, CodingKey {
            case text, title, dueAt = "due_at", remindAt = "remind_at", priority
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try container.decodeIfPresent(String.self, forKey: .text)
            title = try container.decodeIfPresent(String.self, forKey: .title)
            dueAt = try container.decodeIfPresent(String.self, forKey: .dueAt)
            remindAt = try container.decodeIfPresent(String.self, forKey: .remindAt)
            priorityIsNull = try container.contains(.priority) && container.decodeNil(forKey: .priority)
            priority = try container.decodeIfPresent(Int.self, forKey: .priority)
        }

        /// The typed fields, or the first one that is malformed.
        func fields() throws -> TaskFields {
            func instant(_ text: String?, _ name: String) throws -> Date? {
                guard let text else { return nil }
                guard let date = JSON.date(text) else { throw FieldError.invalid(name, "\(name) is not an RFC 3339 instant") }
                return date
            }
            var fields = TaskFields(
                title: title, dueAt: try instant(dueAt, "due_at"), remindAt: try instant(remindAt, "remind_at"),
                clearsPriority: priorityIsNull)
            if let priority {
                guard let parsed = Priority(rawValue: priority) else { throw FieldError.invalid("priority", "priority is 1, 2 or 3") }
                fields.priority = parsed
            }
            return fields
        }
    }

    /// The person and session behind the request's bearer token, or a thrown 401.
    func authenticated(_ request: Request) async throws -> (userID: UserID, session: String) {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
            let identity = try await tokens.authenticate(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        else { throw FieldError.unauthorized }
        return (identity.userID, identity.sessionID)
    }
}

/// A way to wake the dispatcher after the API wrote to the outbox.
struct DispatchWakeupSignal: Sendable {
    let signal: @Sendable () -> Void
}
