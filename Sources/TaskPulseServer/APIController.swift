import Foundation
import Hummingbird
import Logging
import NIOCore
import TaskPulseCommands
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// The JSON API under `/api/v1` (DESIGN §6, issue 6): accounts, sessions and the person's own tasks.
/// Another person's task is a 404, never a 403: the API does not say that it exists.
struct APIController: Sendable {
    let store: any TaskStore
    let clock: any WallClock
    let tokens: AuthTokens
    let wakeup: DispatchWakeupSignal
    let defaultTimeZone: String
    let throttle: LoginThrottle
    /// The base of links the API hands out (the calendar feed).
    var publicURL = "http://localhost:8080"
    var programName = "TaskPulse"

    /// Largest JSON body accepted.
    static let maximumBody = 64 * 1024

    func addRoutes(to router: Router<BasicRequestContext>) {
        let api = router.group("/api/v1")
        api.post("/auth/register") { request, _ in try await register(request) }
        api.post("/auth/login") { request, _ in try await login(request) }
        api.post("/auth/refresh") { request, _ in try await refresh(request) }
        api.post("/auth/logout") { request, _ in try await authenticated(request) { _, session in
            try await store.revokeSession(id: session, now: clock.now())
            return Response(status: .noContent)
        } }
        api.get("/me") { request, _ in try await authenticated(request) { userID, _ in try await me(userID) } }
        api.get("/tasks") { request, _ in try await authenticated(request) { userID, _ in try await list(request, userID) } }
        api.post("/tasks") { request, _ in try await authenticated(request) { userID, _ in try await create(request, userID) } }
        api.get("/tasks/{id}") { request, context in
            try await authenticated(request) { userID, _ in try await withTask(context, userID) { JSON.response(.ok, APITask($0)) } }
        }
        api.patch("/tasks/{id}") { request, context in
            try await authenticated(request) { userID, _ in try await update(request, context, userID) }
        }
        api.delete("/tasks/{id}") { request, context in
            try await authenticated(request) { userID, _ in try await delete(context, userID) }
        }
        api.post("/tasks/{id}/complete") { request, context in
            try await authenticated(request) { userID, _ in try await complete(context, userID) }
        }
        addSettingsRoutes(to: api)
        addCalendarRoutes(to: router, api: api, programName: programName)
    }

    // MARK: Accounts

    struct Credentials: Decodable {
        var email: String?
        var password: String?
        var timeZone: String?

        enum CodingKeys: String, CodingKey {
            case email, password, timeZone = "time_zone"
        }
    }

    func register(_ request: Request) async throws -> Response {
        let input = try await JSON.decode(Credentials.self, from: request)
        guard let email = input.email?.trimmingCharacters(in: .whitespaces), !email.isEmpty else {
            return APIError.response(status: .badRequest, code: "missing_field", message: "email is required", field: "email")
        }
        guard CommandParser.isPlausibleEmail(email) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "email is not an email address", field: "email")
        }
        guard let password = input.password, !password.isEmpty else {
            return APIError.response(
                status: .badRequest, code: "missing_field", message: "password is required", field: "password")
        }
        // bcrypt reads at most 72 bytes: a longer password would be silently cut.
        guard password.count >= 8, password.utf8.count <= 72 else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "password must be 8 to 72 bytes long", field: "password")
        }
        let zone = input.timeZone ?? defaultTimeZone
        guard TimeZone(identifier: zone) != nil else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "time_zone is not an IANA time zone", field: "time_zone")
        }
        let hash = AuthTokens.hashPassword(password)
        let user: User
        do {
            user = try await store.register(email: email, passwordHash: hash, timeZoneID: zone, now: clock.now())
        } catch AccountError.emailTaken {
            return APIError.response(
                status: .conflict, code: "email_taken", message: "an account with this email already exists", field: "email")
        }
        return JSON.response(.created, try await tokens.startSession(for: user.id))
    }

    func login(_ request: Request) async throws -> Response {
        let input = try await JSON.decode(Credentials.self, from: request)
        guard let email = input.email, !email.isEmpty else {
            return APIError.response(status: .badRequest, code: "missing_field", message: "email is required", field: "email")
        }
        guard let password = input.password, !password.isEmpty else {
            return APIError.response(
                status: .badRequest, code: "missing_field", message: "password is required", field: "password")
        }
        if let wait = throttle.retryAfter(key: email.lowercased(), now: clock.now()) {
            var response = APIError.response(
                status: .tooManyRequests, code: "too_many_attempts", message: "too many failed sign-ins; try again later",
                field: nil)
            response.headers[.retryAfter] = String(Int(wait.rounded(.up)))
            return response
        }
        let account = try await store.account(email: email)
        // The same bcrypt work whether or not the account exists: timing does not tell.
        let matches = AuthTokens.verifyPassword(password, hash: account?.passwordHash ?? AuthTokens.decoyHash)
        guard let account, matches else {
            throttle.recordFailure(key: email.lowercased(), now: clock.now())
            return APIError.response(
                status: .unauthorized, code: "invalid_credentials", message: "email or password is wrong", field: nil)
        }
        throttle.reset(key: email.lowercased())
        return JSON.response(.ok, try await tokens.startSession(for: account.user.id))
    }

    struct RefreshInput: Decodable {
        var refreshToken: String?
        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    func refresh(_ request: Request) async throws -> Response {
        let input = try await JSON.decode(RefreshInput.self, from: request)
        guard let token = input.refreshToken, !token.isEmpty else {
            return APIError.response(
                status: .badRequest, code: "missing_field", message: "refresh_token is required", field: "refresh_token")
        }
        switch try await tokens.refresh(token) {
        case .success(let issued): return JSON.response(.ok, issued)
        case .failure(.reused):
            return APIError.response(
                status: .unauthorized, code: "refresh_token_reused",
                message: "this refresh token was already used; the session is ended, sign in again", field: "refresh_token")
        case .failure(.invalid):
            return APIError.response(
                status: .unauthorized, code: "invalid_refresh_token", message: "refresh token unknown, expired or revoked",
                field: "refresh_token")
        }
    }

    func me(_ userID: UserID) async throws -> Response {
        guard let user = try await store.user(id: userID) else { return Self.unauthorized }
        return JSON.response(.ok, APIMe(user))
    }

    // MARK: Tasks

    func list(_ request: Request, _ userID: UserID) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = TaskQuery()
        if let statuses = parameters.get("status") {
            var parsed: [TaskStatus] = []
            for word in statuses.split(separator: ",") {
                guard let status = TaskStatus(rawValue: String(word)), status != .deleted else {
                    return APIError.response(
                        status: .badRequest, code: "invalid_field", message: "status is open, done, missed or skipped",
                        field: "status")
                }
                parsed.append(status)
            }
            query.statuses = parsed
        }
        if let text = parameters.get("priority") {
            guard let value = Int(text), let priority = Priority(rawValue: value) else {
                return APIError.response(
                    status: .badRequest, code: "invalid_field", message: "priority is 1, 2 or 3", field: "priority")
            }
            query.priority = priority
        }
        for (name, keyPath) in [("due_from", \TaskQuery.dueFrom), ("due_to", \TaskQuery.dueBefore)] {
            guard let text = parameters.get(name) else { continue }
            guard let instant = JSON.date(String(text)) else {
                return APIError.response(
                    status: .badRequest, code: "invalid_field", message: "\(name) is not an RFC 3339 instant", field: name)
            }
            query[keyPath: keyPath] = instant
        }
        query.text = parameters.get("q").map { String($0) }
        if let sort = parameters.get("sort") {
            guard let value = TaskQuery.Sort(rawValue: String(sort)) else {
                return APIError.response(
                    status: .badRequest, code: "invalid_field", message: "sort is due, created, priority or number",
                    field: "sort")
            }
            query.sort = value
        }
        if let order = parameters.get("order") {
            guard order == "asc" || order == "desc" else {
                return APIError.response(status: .badRequest, code: "invalid_field", message: "order is asc or desc", field: "order")
            }
            query.descending = order == "desc"
        }
        if let text = parameters.get("limit") {
            guard let limit = Int(text), (1...200).contains(limit) else {
                return APIError.response(
                    status: .badRequest, code: "invalid_field", message: "limit is 1 to 200", field: "limit")
            }
            query.limit = limit
        }
        if let cursor = parameters.get("cursor") {
            guard let offset = PageCursor.offset(String(cursor), query: query) else {
                return APIError.response(
                    status: .badRequest, code: "invalid_field", message: "cursor does not belong to this query", field: "cursor")
            }
            query.offset = offset
        }
        let page = try await store.taskPage(userID: userID, query: query)
        let next = page.hasMore ? PageCursor.make(offset: query.offset + page.items.count, query: query) : nil
        return JSON.response(.ok, APIPage(items: page.items.map(APITask.init), nextCursor: next))
    }

    struct TaskInput: Decodable {
        var text: String?
        var title: String?
        var dueAt: String?
        var remindAt: String?
        var priority: Int?

        enum CodingKeys: String, CodingKey {
            case text, title, dueAt = "due_at", remindAt = "remind_at", priority
        }
    }

    func create(_ request: Request, _ userID: UserID) async throws -> Response {
        let input = try await JSON.decode(TaskInput.self, from: request)
        guard let user = try await store.user(id: userID) else { return Self.unauthorized }
        let now = clock.now()
        let zone = TimeZone(identifier: user.timeZoneID) ?? .gmt
        let draft: TaskDraft
        if let text = input.text {
            // The same language as SMS: "call mom tomorrow 9am", "every weekday 7am stretch".
            let formatter = ReplyFormatter(zone: zone, now: now, helpContact: "")
            let morning = LocalTime(hour: user.settings.morningMinutes / 60, minute: user.settings.morningMinutes % 60)
                ?? LocalTime(hour: 9, minute: 0)!
            let context = ParseContext(now: now, zone: zone, morningTime: morning)
            let words = text.trimmingCharacters(in: .whitespaces)
            let command = CommandParser().parse(words.lowercased().hasPrefix("add ") ? words : "add " + words, context: context)
            switch command {
            case .add(let request):
                draft = CommandPlanner(formatter: formatter, now: now).draft(request)
            case .refused(let name, let error):
                return APIError.response(
                    status: .badRequest, code: error.rawValue, message: formatter.refusal(name, error), field: "text")
            default:
                return APIError.response(
                    status: .badRequest, code: "not_a_task", message: "text does not describe a task", field: "text")
            }
        } else {
            guard let title = input.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty else {
                return APIError.response(
                    status: .badRequest, code: "missing_field", message: "give text, or title with optional due_at",
                    field: "title")
            }
            guard title.count <= 500 else {
                return APIError.response(
                    status: .badRequest, code: "invalid_field", message: "title is at most 500 characters", field: "title")
            }
            var dueAt: Date?
            var remindAt: Date?
            for (name, value) in [("due_at", input.dueAt), ("remind_at", input.remindAt)] {
                guard let value else { continue }
                guard let instant = JSON.date(value) else {
                    return APIError.response(
                        status: .badRequest, code: "invalid_field", message: "\(name) is not an RFC 3339 instant", field: name)
                }
                if name == "due_at" { dueAt = instant } else { remindAt = instant }
            }
            if let remind = remindAt, remind <= now {
                return APIError.response(
                    status: .badRequest, code: "past_date", message: "remind_at is in the past", field: "remind_at")
            }
            var priority: Priority?
            if let value = input.priority {
                guard let parsed = Priority(rawValue: value) else {
                    return APIError.response(
                        status: .badRequest, code: "invalid_field", message: "priority is 1, 2 or 3", field: "priority")
                }
                priority = parsed
            }
            // An explicit due time reminds then unless told otherwise (like "add x tomorrow 9am" by SMS).
            let remind = remindAt ?? dueAt.flatMap { $0 > now ? $0 : nil }
            draft = TaskDraft(title: title, priority: priority, dueAt: dueAt, remindAt: remind, timeZoneID: user.timeZoneID)
        }
        let (outcome, scheduled) = try await store.applyChange(.addTask(draft), userID: userID, now: now)
        if scheduled { wakeup.signal() }
        guard case .added(let task, _) = outcome else {
            return APIError.response(status: .conflict, code: "not_added", message: "the task could not be added", field: nil)
        }
        return JSON.response(.created, APITask(task))
    }

    /// Checks every field first, then applies them: a request with one bad field changes nothing.
    func update(_ request: Request, _ context: BasicRequestContext, _ userID: UserID) async throws -> Response {
        let input = try await JSON.decode(TaskInput.self, from: request)
        func bad(_ field: String, _ message: String) -> Response {
            APIError.response(status: .badRequest, code: "invalid_field", message: message, field: field)
        }
        let title = input.title?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let title, title.isEmpty || title.count > 500 { return bad("title", "title is 1 to 500 characters") }
        let due = input.dueAt.flatMap(JSON.date)
        if input.dueAt != nil && due == nil { return bad("due_at", "due_at is not an RFC 3339 instant") }
        let remind = input.remindAt.flatMap(JSON.date)
        if input.remindAt != nil && remind == nil { return bad("remind_at", "remind_at is not an RFC 3339 instant") }
        let priority = input.priority.flatMap(Priority.init(rawValue:))
        if input.priority != nil && priority == nil { return bad("priority", "priority is 1, 2 or 3") }
        return try await withTask(context, userID) { task in
            guard task.status == .open else {
                return APIError.response(
                    status: .conflict, code: "task_not_open", message: "only open tasks can be changed", field: "status")
            }
            let now = clock.now()
            if let title {
                _ = try await store.applyChange(.rename(number: task.number, title: title), userID: userID, now: now)
            }
            if due != nil || remind != nil {
                let newDue = due ?? task.dueAt ?? remind ?? now
                let newRemind = remind ?? (due.map { $0 > now ? $0 : nil } ?? task.remindAt)
                let (_, scheduled) = try await store.applyChange(
                    .move(.numbers([task.number]), dueAt: newDue, remindAt: newRemind), userID: userID, now: now)
                if scheduled { wakeup.signal() }
            }
            if let priority { _ = try await store.setPriority(priority, taskID: task.id, userID: userID, now: now) }
            guard let updated = try await store.task(userID: userID, id: task.id) else { return Self.notFound }
            return JSON.response(.ok, APITask(updated))
        }
    }

    func delete(_ context: BasicRequestContext, _ userID: UserID) async throws -> Response {
        try await withTask(context, userID) { task in
            guard task.status == .open else { return Response(status: .noContent) }
            _ = try await store.applyChange(
                .delete(.numbers([task.number]), scope: .occurrence), userID: userID, now: clock.now())
            return Response(status: .noContent)
        }
    }

    func complete(_ context: BasicRequestContext, _ userID: UserID) async throws -> Response {
        try await withTask(context, userID) { task in
            if task.status == .open {
                let (_, scheduled) = try await store.applyChange(
                    .complete(.numbers([task.number])), userID: userID, now: clock.now())
                if scheduled { wakeup.signal() }
            } else if task.status != .done {
                return APIError.response(
                    status: .conflict, code: "task_not_open", message: "this task was \(task.status.rawValue)", field: "status")
            }
            guard let done = try await store.task(userID: userID, id: task.id) else { return Self.notFound }
            return JSON.response(.ok, APITask(done))
        }
    }

    // MARK: Helpers

    static let unauthorized = APIError.response(
        status: .unauthorized, code: "unauthorized", message: "a valid bearer access token is required", field: nil)
    static let notFound = APIError.response(status: .notFound, code: "not_found", message: "no such task", field: "id")

    /// Runs `body` for the person behind the request's bearer token, or answers 401.
    func authenticated(_ request: Request, _ body: (UserID, String) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
            let (userID, session) = try await tokens.authenticate(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        else {
            var response = Self.unauthorized
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await body(userID, session)
    }

    /// Runs `body` with the person's task named by the path, or answers 404 (also for another person's task).
    func withTask(_ context: BasicRequestContext, _ userID: UserID, _ body: (TaskItem) async throws -> Response)
        async throws -> Response
    {
        guard let id = context.parameters.get("id", as: Int64.self),
            let task = try await store.task(userID: userID, id: TaskID(id)), task.status != .deleted
        else { return Self.notFound }
        return try await body(task)
    }
}

/// A way to wake the dispatcher after the API wrote to the outbox.
struct DispatchWakeupSignal: Sendable {
    let signal: @Sendable () -> Void
}
