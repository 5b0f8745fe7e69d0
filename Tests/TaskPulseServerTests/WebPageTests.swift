import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// A browser for the web pages in tests: keeps cookies, reads the form token from each page, follows
/// nothing on its own (tests look at each redirect).
struct Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    /// The `_csrf` of the last page that had a form.
    var formToken = ""
    /// `Origin` sent with POSTs (browsers send it); `nil` sends none.
    var origin: String? = nil

    init(_ client: any TestClientProtocol) { self.client = client }

    mutating func get(_ path: String) async throws -> TestResponse {
        let response = try await client.execute(uri: path, method: .get, headers: cookieHeaders(), body: nil)
        remember(response)
        return response
    }

    mutating func post(_ path: String, _ fields: [(String, String)], token: String? = nil) async throws -> TestResponse {
        var headers = cookieHeaders()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let origin { headers[.init("Origin")!] = origin }
        let body = FormEncoding.encode([("_csrf", token ?? formToken)] + fields)
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    /// Signs up through the form and lands signed in.
    mutating func signUp(_ email: String, zone: String = "America/New_York") async throws {
        _ = try await get("/signup")
        let response = try await post(
            "/signup", [("email", email), ("password", "correct horse battery"), ("time_zone", zone)])
        #expect(response.status == .seeOther)
        #expect(response.headers[.location] == "/tasks")
        _ = try await get("/tasks")
    }

    private func cookieHeaders() -> HTTPFields {
        guard !cookies.isEmpty else { return [:] }
        return [.cookie: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    private mutating func remember(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 || (parts.count == 1 && pair.hasSuffix("=")) else { continue }
            let value = parts.count == 2 ? parts[1] : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[parts[0]] = nil } else { cookies[parts[0]] = value }
        }
        let html = response.text
        if let range = html.range(of: #"name="_csrf" value=""#) {
            formToken = String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }
}

/// The web pages (issue 6): sign-up, the task list, editing, settings, the log; forms that cannot be
/// forged; sessions that end when people sign out; nobody sees anybody else's tasks.
@Suite("Web pages", .timeLimit(.minutes(1)))
struct WebPageTests {
    @Test("sign up, quick-add in the SMS language, complete, edit and filter, each answered by a redirect")
    func taskFlow() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var browser = Browser(client)
                #expect(try await browser.get("/tasks").headers[.location] == "/signin?next=%2Ftasks")
                try await browser.signUp("ann@example.com")
                let added = try await browser.post("/tasks", [("text", "water plants tomorrow 9am")])
                #expect(added.status == .seeOther)
                let list = try await browser.get("/tasks")
                #expect(list.text.contains("Added #1: water plants, Tue Nov 24, 9:00 AM"))
                #expect(list.text.contains("#1</span> water plants"))
                // The notice shows once.
                #expect(!(try await browser.get("/tasks")).text.contains("Added #1"))

                _ = try await browser.post("/tasks", [("text", "every weekday 7am stretch")])
                #expect(try await browser.get("/tasks").text.contains("repeats every weekday"))
                let refused = try await browser.post("/tasks", [("text", "   ")])
                #expect(refused.status == .badRequest)
                #expect(refused.text.contains(#"class="error""#))

                let done = try await browser.post("/tasks/1/complete", [("next", "/tasks?status=done")])
                #expect(done.headers[.location] == "/tasks?status=done")
                let doneList = try await browser.get("/tasks?status=done")
                #expect(doneList.text.contains("Done: water plants") && doneList.text.contains("task closed"))
                #expect(!(try await browser.get("/tasks")).text.contains("water plants"))

                // A search written by a form: "+" is a space.
                #expect(try await browser.get("/tasks?status=all&q=water+plants").text.contains("#1</span> water plants"))
                #expect(!(try await browser.get("/tasks?status=all&q=stretch").text.contains("water plants")))
                #expect(try await browser.get("/tasks?priority=7").status == .badRequest)

                let page = try await browser.get("/tasks/2")
                #expect(page.text.contains(#"value="2026-11-24T07:00""#))
                let badEdit = try await browser.post("/tasks/2", [("title", ""), ("due", ""), ("priority", "")])
                #expect(badEdit.status == .badRequest && badEdit.text.contains("Title is 1 to 500 characters."))
                let edited = try await browser.post(
                    "/tasks/2", [("title", "stretch well"), ("due", "2026-11-25T07:30"), ("priority", "1")])
                #expect(edited.status == .seeOther)
                let task = try #require(try await harness.store.taskPage(userID: UserID(1), query: TaskQuery()).items.first)
                #expect(task.title == "stretch well" && task.priority == .high)
                #expect(task.dueAt == ZonedTime.instant(LocalDateTime(iso: "2026-11-25T07:30")!, in: TimeZone(identifier: "America/New_York")!))

                _ = try await browser.post("/tasks/2", [("title", "stretch well"), ("due", "2026-11-25T07:30"), ("priority", "")])
                #expect(try await harness.store.task(userID: UserID(1), id: task.id)?.priority == nil)

                #expect(try await browser.post("/tasks/2/delete", []).status == .seeOther)
                // This occurrence goes; the weekday series goes on with the next one.
                let after = try await browser.get("/tasks")
                #expect(after.text.contains("Deleted #2: stretch well"))
                #expect(after.text.contains(#"<a href="/tasks/3"><span class="num">#1</span> stretch well</a>"#))
            }
        }
    }

    @Test("forms need their token and this site's origin; cookies are HttpOnly, SameSite and Secure behind https")
    func forgery() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var browser = Browser(client)
                _ = try await browser.get("/signup")
                let signUp = try await browser.post(
                    "/signup", [("email", "ann@example.com"), ("password", "correct horse battery")])
                let cookie = try #require(signUp.headers[values: .setCookie].first { $0.hasPrefix("tp_session=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"))
                _ = try await browser.get("/tasks")

                #expect(try await browser.post("/tasks", [("text", "forged one")], token: "").status == .forbidden)
                #expect(try await browser.post("/tasks", [("text", "forged two")], token: "x" + browser.formToken).status == .forbidden)
                browser.origin = "https://evil.example"
                #expect(try await browser.post("/tasks", [("text", "forged three")]).status == .forbidden)
                browser.origin = "https://taskpulse.test:8443"
                #expect(try await browser.post("/tasks", [("text", "forged four")]).status == .forbidden)
                // Behind a reverse proxy the Host header is the upstream's; the public URL is this site.
                browser.origin = "https://taskpulse.test"
                #expect(try await browser.post("/tasks", [("text", "through the proxy")]).status == .seeOther)
                _ = try await browser.post("/tasks/1/delete", [])
                browser.origin = "null"
                #expect(try await browser.post("/tasks", [("text", "sandboxed but genuine")]).status == .seeOther)
                let titles = try await harness.store.taskPage(userID: UserID(1), query: TaskQuery()).items.map(\.title)
                #expect(titles == ["sandboxed but genuine"])

                // Before sign-in the token is a cookie and a field that must match.
                var stranger = Browser(client)
                _ = try await stranger.get("/signin")
                stranger.cookies["tp_form"] = nil
                let noCookie = try await stranger.post(
                    "/signin", [("email", "ann@example.com"), ("password", "correct horse battery")])
                #expect(noCookie.status == .forbidden)
            }
        }
    }

    @Test("signing out ends the session at once: the old cookie no longer opens a page")
    func signOut() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var browser = Browser(client)
                try await browser.signUp("ann@example.com")
                let session = try #require(browser.cookies["tp_session"])
                let out = try await browser.post("/signout", [])
                #expect(out.headers[.location] == "/signin")
                #expect(browser.cookies["tp_session"] == nil)
                browser.cookies["tp_session"] = session
                #expect(try await browser.get("/tasks").status == .seeOther)

                // Signing in again, with a wrong password first.
                _ = try await browser.get("/signin")
                let wrong = try await browser.post("/signin", [("email", "ann@example.com"), ("password", "not it at all")])
                #expect(wrong.status == .unauthorized && wrong.text.contains("Email or password is wrong."))
                // The place to return to survives a failed attempt.
                #expect(wrong.text.contains(#"name="next" value="/settings""#) == false)
                let wrongWithNext = try await browser.post(
                    "/signin", [("email", "ann@example.com"), ("password", "not it at all"), ("next", "/settings")])
                #expect(wrongWithNext.text.contains(#"name="next" value="/settings""#))
                for evil in ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example"] {
                    let right = try await browser.post(
                        "/signin", [("email", "ann@example.com"), ("password", "correct horse battery"), ("next", evil)])
                    #expect(right.headers[.location] == "/tasks", "next \(evil)")
                }
                #expect(try await browser.get("/tasks").status == .ok)
            }
        }
    }

    @Test("isolation: another person's task page, edit, complete and delete are a 404 and change nothing")
    func isolation() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var ann = Browser(client)
                try await ann.signUp("ann@example.com")
                _ = try await ann.post("/tasks", [("text", "ann's secret plan tomorrow 9am")])
                var bob = Browser(client)
                try await bob.signUp("bob@example.com")
                #expect(try await bob.get("/tasks/1").status == .notFound)
                #expect(try await bob.post("/tasks/1", [("title", "hijacked")]).status == .notFound)
                #expect(try await bob.post("/tasks/1/complete", []).status == .notFound)
                #expect(try await bob.post("/tasks/1/delete", []).status == .notFound)
                #expect(!(try await bob.get("/tasks?status=all&q=secret").text.contains("secret plan")))
                let task = try #require(try await harness.store.task(userID: UserID(1), id: TaskID(1)))
                #expect(task.title == "ann's secret plan" && task.status == .open)
            }
        }
    }

    @Test("what people typed is escaped on every page")
    func escaping() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var browser = Browser(client)
                try await browser.signUp("ann@example.com")
                _ = try await browser.post("/tasks", [("text", #"<script>alert("x")</script> tomorrow"#)])
                let list = try await browser.get("/tasks")
                #expect(!list.text.contains("<script>"))
                #expect(list.text.contains("&lt;script&gt;"))
                #expect(list.headers[.init("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
            }
        }
    }

    @Test("settings: saved from the form; a bad time changes nothing; a phone is linked by the texted code")
    func settings() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                var browser = Browser(client)
                try await browser.signUp("ann@example.com")
                _ = try await browser.get("/settings")
                let bad = try await browser.post(
                    "/settings", [("time_zone", "Europe/Paris"), ("quiet_enabled", "on"), ("quiet_start", "25:00"), ("quiet_end", "07:00")])
                #expect(bad.status == .badRequest && bad.text.contains("Quiet_start is HH:MM."))
                #expect(try await harness.store.user(id: UserID(1))?.timeZoneID == "America/New_York")
                let saved = try await browser.post(
                    "/settings",
                    [
                        ("time_zone", "Europe/Paris"), ("quiet_enabled", "on"), ("quiet_start", "22:30"), ("quiet_end", "07:00"),
                        ("morning_time", "08:15"), ("evening_time", "20:00"), ("weekly_enabled", "on"),
                        ("channel_weekly", "both"),
                    ])
                #expect(saved.status == .seeOther)
                let user = try #require(try await harness.store.user(id: UserID(1)))
                #expect(user.timeZoneID == "Europe/Paris")
                #expect(user.settings.quietStartMinutes == 22 * 60 + 30 && user.settings.morningEnabled == false)
                #expect(user.settings.weeklyEnabled && user.channels[.weekly] == .both)
                #expect(try await browser.get("/settings").text.contains(#"name="quiet_start" value="22:30""#))
                // A zone the list lacks (an alias set by text or the API) stays selected, so saving keeps it.
                _ = try await harness.store.applyChange(.settings(.timeZone("US/Eastern")), userID: UserID(1), now: harness.clock.now())
                #expect(try await browser.get("/settings").text.contains(#"<option value="US/Eastern" selected>"#))

                _ = try await browser.post("/settings/phone", [("phone", "(555) 555-0142")])
                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                let body = try #require(twilio.received.last { $0.to == "+15555550142" }?.body)
                let secret = String(try #require(body.split(separator: " ").dropFirst(2).first).prefix(6))
                let wrong = try await browser.post("/settings/phone/verify", [("code", "000000x")])
                #expect(wrong.status == .badRequest && wrong.text.contains("That code is not right; 4 tries left."))
                #expect(try await browser.post("/settings/phone/verify", [("code", secret)]).status == .seeOther)
                #expect(try await browser.get("/settings").text.contains("Linked: <strong>+15555550142</strong>"))
                let log = try await browser.get("/deliveries")
                #expect(log.text.contains("Phone code") && log.text.contains("Link code sent to ***0142"))
            }
        }
    }

    @Test("editing only the priority leaves a due time with seconds, and its reminder, alone")
    func editKeepsTime() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var browser = Browser(client)
                try await browser.signUp("ann@example.com")
                harness.clock.advance(by: 30)
                _ = try await browser.post("/tasks", [("text", "call back in 2 hours")])
                let before = try #require(try await harness.store.task(userID: UserID(1), id: TaskID(1)))
                _ = try await browser.get("/tasks/1")
                let form = try await browser.get("/tasks/1")
                #expect(form.text.contains(#"name="due" value="2026-11-23T12:15" required"#))
                let saved = try await browser.post("/tasks/1", [("title", "call back"), ("due", "2026-11-23T12:15"), ("priority", "2")])
                #expect(saved.status == .seeOther)
                let after = try #require(try await harness.store.task(userID: UserID(1), id: TaskID(1)))
                #expect(after.dueAt == before.dueAt && after.remindAt == before.remindAt && after.priority == .medium)
            }
        }
    }

    @Test("a stale page's button answers a page, not JSON; long notices are cut; the calendar link is a redirect")
    func staleAndLong() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var browser = Browser(client)
                try await browser.signUp("ann@example.com")
                _ = try await browser.post("/tasks", [("text", "water plants tomorrow")])
                _ = try await browser.post("/tasks/1/delete", [])
                let stale = try await browser.post("/tasks/1/complete", [])
                #expect(stale.status == .notFound)
                #expect(stale.headers[.contentType]?.hasPrefix("text/html") == true && stale.text.contains("No such task"))

                let tooLarge = try await browser.post("/tasks", [("text", String(repeating: "x", count: 20_000))])
                #expect(tooLarge.status == .contentTooLarge && tooLarge.headers[.contentType]?.hasPrefix("text/html") == true)
                let long = String(repeating: "👨‍👩‍👧‍👦", count: 150)
                let added = try await browser.post("/tasks", [("text", long)])
                #expect(added.status == .seeOther, "\(added.text.suffix(600))")
                let flash = try #require(added.headers[values: .setCookie].first { $0.hasPrefix("tp_flash=") })
                #expect(flash.utf8.count < 600)

                let rotated = try await browser.post("/settings/calendar", [])
                #expect(rotated.status == .seeOther && rotated.headers[.location] == "/settings#calendar")
                #expect(try await browser.get("/settings").text.contains("https://taskpulse.test/calendar/"))
            }
        }
    }
}
