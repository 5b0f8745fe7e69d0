import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseStorage

/// The web pages (issue 6): server-rendered, no scripts, usable on a phone. Sign up and in, the task
/// list with quick-add, editing, settings and the deliveries log, all through ``SelfService`` like the
/// API. Every POST answers with a redirect (so reloading never repeats it) or the form again with
/// what to fix.
struct WebController: Sendable {
    let service: SelfService
    let sessions: WebSessions
    let pages: WebPages
    let clientAddress: ClientAddress

    var store: any TaskStore { service.store }

    func addRoutes(to router: Router<TaskPulseRequestContext>) {
        router.get("/static/app.css") { _, _ in
            var headers = WebPages.headers(type: "text/css; charset=utf-8")
            headers[.cacheControl] = "public, max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: pages.stylesheet)))
        }
        router.get("/signin") { request, _ in try await signInPage(request) }
        router.post("/signin") { request, context in try await signIn(request, context) }
        router.get("/signup") { request, _ in try await signUpPage(request) }
        router.post("/signup") { request, context in try await signUp(request, context) }
        router.post("/signout") { request, _ in
            try await action(request) { identity, _ in
                try await store.revokeSession(id: identity.sessionID, now: service.clock.now())
                var response = WebPages.seeOther("/signin")
                sessions.clearSession(on: &response)
                return response
            }
        }
        addTaskRoutes(to: router)
        addSettingsRoutes(to: router)
    }

    // MARK: Signing in and up

    func signInPage(
        _ request: Request, status: HTTPResponse.Status = .ok, error: String? = nil, email: String = "", next: String? = nil
    ) async throws -> Response {
        if error == nil, try await sessions.identity(request) != nil { return WebPages.seeOther("/tasks") }
        let (token, cookie) = sessions.anonymousFormToken(request)
        let flash = WebSessions.flash(of: request)
        var response = pages.render(
            "signin", status: status, title: "Sign in", identity: nil, formToken: token, flash: flash,
            error: error, values: ["email": email, "next": Self.safeNext(next ?? ((try? QueryString(request)) ?? .empty)["next"])])
        if let cookie { response.setCookie(cookie) }
        if flash != nil { sessions.clearFlash(on: &response) }
        return response
    }

    func signIn(_ request: Request, _ context: TaskPulseRequestContext) async throws -> Response {
        let form = try await WebSessions.form(request)
        guard sessions.isGenuine(request, form: form, identity: nil) else { return forbidden() }
        do {
            let user = try await service.signIn(
                email: form["email"], password: form["password"], client: clientAddress.of(request, peer: context.remoteAddress))
            var response = WebPages.seeOther(Self.safeNext(form["next"]))
            try await sessions.signIn(user.id, on: &response)
            return response
        } catch let refusal as FieldError {
            return try await signInPage(
                request, status: refusal.status, error: Self.sentence(refusal), email: form["email"] ?? "", next: form["next"])
        }
    }

    func signUpPage(
        _ request: Request, status: HTTPResponse.Status = .ok, error: String? = nil, form: [String: String] = [:]
    ) async throws -> Response {
        if error == nil, try await sessions.identity(request) != nil { return WebPages.seeOther("/tasks") }
        let (token, cookie) = sessions.anonymousFormToken(request)
        let chosen = form["time_zone"] ?? service.defaultTimeZone
        var response = pages.render(
            "signup", status: status, title: "Create an account", identity: nil, formToken: token, error: error,
            values: ["email": form["email"] ?? "", "zones": Self.zoneOptions(selected: chosen)])
        if let cookie { response.setCookie(cookie) }
        return response
    }

    func signUp(_ request: Request, _ context: TaskPulseRequestContext) async throws -> Response {
        let form = try await WebSessions.form(request)
        guard sessions.isGenuine(request, form: form, identity: nil) else { return forbidden() }
        do {
            let user = try await service.register(
                email: form["email"], password: form["password"], timeZone: form["time_zone"],
                client: clientAddress.of(request, peer: context.remoteAddress))
            var response = WebPages.seeOther("/tasks")
            try await sessions.signIn(user.id, on: &response)
            sessions.flash("Welcome! Add your first task below, or link your phone in Settings to text it in.", on: &response)
            return response
        } catch let refusal as FieldError {
            return try await signUpPage(request, status: refusal.status, error: Self.sentence(refusal), form: form)
        }
    }

    // MARK: Helpers

    /// Runs a GET page for the signed-in person, or sends them to sign in and back here.
    func page(_ request: Request, _ body: (WebIdentity, String?) async throws -> Response) async throws -> Response {
        guard let identity = try await sessions.identity(request) else {
            let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return WebPages.seeOther("/signin?next=" + (here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        let flash = WebSessions.flash(of: request)
        var response = try await refusalsAsPages(identity) { try await body(identity, flash) }
        if flash != nil { sessions.clearFlash(on: &response) }
        return response
    }

    /// Runs a POST for the signed-in person after checking it is a genuine form of this site.
    func action(_ request: Request, _ body: (WebIdentity, [String: String]) async throws -> Response) async throws -> Response {
        guard let identity = try await sessions.identity(request) else { return WebPages.seeOther("/signin") }
        return try await refusalsAsPages(identity) {
            let form = try await WebSessions.form(request)
            guard sessions.isGenuine(request, form: form, identity: identity) else { return forbidden() }
            return try await body(identity, form)
        }
    }

    /// A refusal nobody caught nearer (a task deleted in another tab, then Done here) as a page, not JSON.
    func refusalsAsPages(_ identity: WebIdentity, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let refusal as FieldError {
            let title = refusal.status == .notFound ? "No such task" : "That did not work"
            let message = refusal.status == .notFound ? "That task does not exist, or it is not yours." : Self.sentence(refusal)
            return pages.render(
                "message", status: refusal.status, title: title, identity: identity, values: ["message": message, "back": "/tasks"])
        }
    }

    func forbidden() -> Response {
        pages.render(
            "message", status: .forbidden, title: "Form expired", identity: nil,
            values: ["message": "This form expired or did not come from this site. Go back, reload the page and try again."])
    }

    /// A refusal as a sentence for a page: "Email is not an email address."
    static func sentence(_ refusal: FieldError) -> String {
        guard let first = refusal.message.first else { return "Something is not right." }
        let text = first.uppercased() + refusal.message.dropFirst()
        return text.hasSuffix(".") ? text : text + "."
    }

    /// Only paths on this site: never `//other.example`, a full URL, or anything with a control
    /// character or backslash (browsers drop tabs inside URLs: `/<TAB>/evil.example` is `//evil.example`).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"),
            next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" })
        else { return "/tasks" }
        return next
    }

    /// `<option>`s of every IANA zone, one selected (the person's own first if the list lacks it).
    static func zoneOptions(selected: String) -> [[String: Any]] {
        var zones = TimeZone.knownTimeZoneIdentifiers.sorted()
        if !zones.contains(selected) { zones.insert(selected, at: 0) }
        return zones.map { ["value": $0, "selected": $0 == selected] }
    }
}
