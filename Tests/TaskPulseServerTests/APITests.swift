import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport

/// The JSON API (issue 6): accounts, sessions, the person's own tasks, and isolation between people.
@Suite("REST API /api/v1", .timeLimit(.minutes(1)))
struct APITests {
    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    func post(
        _ client: some TestClientProtocol, _ path: String, _ body: String, token: String? = nil, from address: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        // The test client has no peer address: like a local reverse proxy, its X-Forwarded-For names the client.
        if let address { headers[.init("X-Forwarded-For")!] = "203.0.113.250, \(address)" }
        return try await client.execute(uri: "/api/v1" + path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, token: String, body: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: "/api/v1" + path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Registers `email` and returns its access and refresh tokens.
    func register(_ client: some TestClientProtocol, _ email: String) async throws -> (access: String, refresh: String) {
        let response = try await post(
            client, "/auth/register", #"{"email": "\#(email)", "password": "correct horse battery", "time_zone": "America/New_York"}"#)
        #expect(response.status == .created)
        let body = try json(response)
        #expect(body["token_type"] as? String == "Bearer" && body["expires_in"] as? Int == 900)
        return (try #require(body["access_token"] as? String), try #require(body["refresh_token"] as? String))
    }

    func errorField(_ response: TestResponse) throws -> String? {
        (try json(response)["error"] as? [String: Any])?["field"] as? String
    }

    @Test("register and login: bad input is a 4xx naming the field; a taken email is 409; wrong passwords are throttled")
    func accounts() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await register(client, "ann@example.com")
                let taken = try await post(client, "/auth/register", #"{"email": "ANN@example.com", "password": "another one!"}"#)
                #expect(taken.status == .conflict)
                #expect(try errorField(taken) == "email")
                for (body, field) in [
                    (#"{"password": "long enough"}"#, "email"), (#"{"email": "nope", "password": "long enough"}"#, "email"),
                    (#"{"email": "b@example.com", "password": "short"}"#, "password"),
                    (#"{"email": "b@example.com", "password": "long enough", "time_zone": "Mars/Base"}"#, "time_zone"),
                    (#"{"email": 42, "password": "long enough"}"#, "email"),
                ] {
                    let response = try await post(client, "/auth/register", body)
                    #expect(response.status == .badRequest)
                    #expect(try errorField(response) == field)
                }
                let malformed = try await post(client, "/auth/register", "{not json")
                #expect(malformed.status == .badRequest)
                #expect((try json(malformed)["error"] as? [String: Any])?["code"] as? String == "malformed_json")

                let good = try await post(client, "/auth/login", #"{"email": "ann@example.com", "password": "correct horse battery"}"#)
                #expect(good.status == .ok)
                for _ in 1...5 {
                    let wrong = try await post(client, "/auth/login", #"{"email": "ann@example.com", "password": "wrong wrong"}"#)
                    #expect(wrong.status == .unauthorized)
                }
                let throttled = try await post(client, "/auth/login", #"{"email": "ann@example.com", "password": "correct horse battery"}"#)
                #expect(throttled.status == .tooManyRequests)
                #expect(throttled.headers[.retryAfter] != nil)
                let unknown = try await post(client, "/auth/login", #"{"email": "who@example.com", "password": "whatever1"}"#)
                #expect(unknown.status == .unauthorized)
            }
        }
    }

    @Test("sign-ins are limited per client address too: twenty failures across accounts make that address wait")
    func signInLimitPerAddress() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await register(client, "ann@example.com")
                let right = #"{"email": "ann@example.com", "password": "correct horse battery"}"#
                for index in 1...20 {
                    let wrong = try await post(
                        client, "/auth/login", #"{"email": "guess\#(index)@example.com", "password": "wrong wrong"}"#,
                        from: "198.51.100.7")
                    #expect(wrong.status == .unauthorized)
                }
                let throttled = try await post(client, "/auth/login", right, from: "198.51.100.7")
                #expect(throttled.status == .tooManyRequests)
                #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
                // Another address, and the account itself, are not held back.
                #expect(try await post(client, "/auth/login", right, from: "198.51.100.8").status == .ok)
                harness.clock.advance(by: 15 * 60)
                #expect(try await post(client, "/auth/login", right, from: "198.51.100.7").status == .ok)
            }
        }
    }

    @Test("a number that belongs to another web account is not merged (its sign-in would be replaced): 409")
    func linkRefusedForOtherAccount() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let ann = try await register(client, "ann@example.com").access
                _ = try await post(client, "/me/phone", #"{"phone": "+15555550142"}"#, token: ann)
                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                _ = try await post(client, "/me/phone/verify", #"{"code": "\#(try code(twilio, to: "+15555550142"))"}"#, token: ann)
                let bob = try await register(client, "bob@example.com").access
                _ = try await post(client, "/me/phone", #"{"phone": "+15555550142"}"#, token: bob)
                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                let refused = try await post(
                    client, "/me/phone/verify", #"{"code": "\#(try code(twilio, to: "+15555550142"))"}"#, token: bob)
                #expect(refused.status == .conflict)
                #expect((try json(refused)["error"] as? [String: Any])?["code"] as? String == "phone_in_other_account")
                let login = try await post(client, "/auth/login", #"{"email": "ann@example.com", "password": "correct horse battery"}"#)
                #expect(login.status == .ok)
            }
        }
    }

    @Test("new accounts are limited per client address: the eleventh in an hour waits")
    func signUpLimitPerAddress() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                for index in 1...10 {
                    let made = try await post(
                        client, "/auth/register", #"{"email": "u\#(index)@example.com", "password": "correct horse battery"}"#,
                        from: "198.51.100.20")
                    #expect(made.status == .created)
                }
                let held = try await post(
                    client, "/auth/register", #"{"email": "u11@example.com", "password": "correct horse battery"}"#, from: "198.51.100.20")
                #expect(held.status == .tooManyRequests)
                let elsewhere = try await post(
                    client, "/auth/register", #"{"email": "u11@example.com", "password": "correct horse battery"}"#, from: "198.51.100.21")
                #expect(elsewhere.status == .created)
            }
        }
    }

    @Test("code checks are limited per client address: ten wrong codes across accounts make that address wait")
    func codeLimitPerAddress() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                for (account, phone) in [("a@example.com", "+15555550142"), ("b@example.com", "+15555550143")] {
                    let token = try await register(client, account).access
                    _ = try await post(client, "/me/phone", #"{"phone": "\#(phone)"}"#, token: token)
                    for _ in 1...5 {
                        let wrong = try await post(client, "/me/phone/verify", #"{"code": "000000x"}"#, token: token, from: "198.51.100.9")
                        #expect(wrong.status == .badRequest || wrong.status == .gone)
                    }
                }
                let token = try await register(client, "c@example.com").access
                _ = try await post(client, "/me/phone", #"{"phone": "+15555550144"}"#, token: token)
                let held = try await post(client, "/me/phone/verify", #"{"code": "000000x"}"#, token: token, from: "198.51.100.9")
                #expect(held.status == .tooManyRequests)
                let elsewhere = try await post(client, "/me/phone/verify", #"{"code": "000000x"}"#, token: token, from: "198.51.100.10")
                #expect(elsewhere.status == .badRequest)
            }
        }
    }

    @Test("refresh rotates; replaying a spent refresh token ends the session; logout ends access and refresh at once")
    func sessions() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let first = try await register(client, "ann@example.com")
                let me = try await call(client, .get, "/me", token: first.access)
                #expect(me.status == .ok)
                #expect(try json(me)["email"] as? String == "ann@example.com")
                #expect(try await client.execute(uri: "/api/v1/me", method: .get).status == .unauthorized)
                #expect(try await call(client, .get, "/me", token: first.access + "x").status == .unauthorized)

                let rotated = try await post(client, "/auth/refresh", #"{"refresh_token": "\#(first.refresh)"}"#)
                #expect(rotated.status == .ok)
                let second = try #require(try json(rotated)["refresh_token"] as? String)
                #expect(second != first.refresh)
                let replay = try await post(client, "/auth/refresh", #"{"refresh_token": "\#(first.refresh)"}"#)
                #expect(replay.status == .unauthorized)
                #expect((try json(replay)["error"] as? [String: Any])?["code"] as? String == "refresh_token_reused")
                // The whole family is gone: the newer refresh token and the access token too.
                #expect(try await post(client, "/auth/refresh", #"{"refresh_token": "\#(second)"}"#).status == .unauthorized)
                #expect(try await call(client, .get, "/me", token: first.access).status == .unauthorized)

                let login = try await post(client, "/auth/login", #"{"email": "ann@example.com", "password": "correct horse battery"}"#)
                let access = try #require(try json(login)["access_token"] as? String)
                let refresh = try #require(try json(login)["refresh_token"] as? String)
                #expect(try await post(client, "/auth/logout", "", token: access).status == .noContent)
                #expect(try await call(client, .get, "/me", token: access).status == .unauthorized)
                #expect(try await post(client, "/auth/refresh", #"{"refresh_token": "\#(refresh)"}"#).status == .unauthorized)
                // An access token past its 15 minutes is refused.
                let later = try await register(client, "bob@example.com")
                harness.clock.advance(by: 16 * 60)
                #expect(try await call(client, .get, "/me", token: later.access).status == .unauthorized)
            }
        }
    }

    @Test("tasks: natural-language and explicit create, filters, cursor pages, update, complete, delete")
    func tasks() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let token = try await register(client, "ann@example.com").access
                let created = try await post(client, "/tasks", #"{"text": "call mom tomorrow 9am !high"}"#, token: token)
                #expect(created.status == .created)
                let task = try json(created)
                #expect(task["title"] as? String == "call mom")
                #expect(task["due_at"] as? String == "2026-11-24T14:00:00Z")  // 9:00 in New York
                #expect(task["priority"] as? Int == 1)
                #expect(task.keys.contains("recurrence") && task["recurrence"] is NSNull)
                let explicit = try await post(
                    client, "/tasks", #"{"title": "pay rent", "due_at": "2026-12-01T14:00:00Z", "priority": 2}"#, token: token)
                #expect(explicit.status == .created)
                for title in ["alpha", "beta", "gamma"] {
                    _ = try await post(client, "/tasks", #"{"title": "\#(title)"}"#, token: token)
                }
                let repeating = try await post(client, "/tasks", #"{"text": "every weekday 7am stretch"}"#, token: token)
                #expect(try json(repeating)["recurrence"] as? String == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
                let refused = try await post(client, "/tasks", #"{"text": "dentist feb 30 3pm"}"#, token: token)
                #expect(refused.status == .badRequest)
                #expect(try errorField(refused) == "text")
                #expect(try await post(client, "/tasks", #"{"title": ""}"#, token: token).status == .badRequest)
                #expect(try await post(client, "/tasks", #"{"title": "x", "due_at": "tomorrow"}"#, token: token).status == .badRequest)

                let high = try json(try await call(client, .get, "/tasks?priority=1", token: token))
                #expect((high["items"] as? [[String: Any]])?.map { $0["title"] as? String } == ["call mom"])
                let search = try json(try await call(client, .get, "/tasks?q=RENT", token: token))
                #expect((search["items"] as? [[String: Any]])?.count == 1)
                // Query strings read as forms and most HTTP libraries write them: "+" is a space.
                let spaced = try json(try await call(client, .get, "/tasks?q=pay+rent", token: token))
                #expect((spaced["items"] as? [[String: Any]])?.count == 1)
                let encoded = try json(try await call(client, .get, "/tasks?q=pay%20rent", token: token))
                #expect((encoded["items"] as? [[String: Any]])?.count == 1)
                let dated = try json(
                    try await call(
                        client, .get, "/tasks?due_from=2026-11-30T00:00:00Z&due_to=2026-12-02T00:00:00Z", token: token))
                #expect((dated["items"] as? [[String: Any]])?.map { $0["title"] as? String } == ["pay rent"])
                #expect(try await call(client, .get, "/tasks?status=gone", token: token).status == .badRequest)
                #expect(try await call(client, .get, "/tasks?limit=0", token: token).status == .badRequest)

                // Pages of two until next_cursor is null: every task once.
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let path = "/tasks?limit=2&sort=number" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try json(try await call(client, .get, path, token: token))
                    seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
                    cursor = page["next_cursor"] as? String
                } while cursor != nil && seen.count < 20
                #expect(seen == ["call mom", "pay rent", "alpha", "beta", "gamma", "stretch"])
                let firstPage = try json(try await call(client, .get, "/tasks?limit=2", token: token))
                let foreignCursor = try #require(firstPage["next_cursor"] as? String)
                #expect(try await call(client, .get, "/tasks?priority=2&limit=2&cursor=\(foreignCursor)", token: token).status == .badRequest)

                let id = try #require(task["id"] as? Int)
                let patched = try await call(
                    client, .patch, "/tasks/\(id)", token: token, body: #"{"title": "call mom and dad", "priority": 3}"#)
                #expect(patched.status == .ok)
                #expect(try json(patched)["title"] as? String == "call mom and dad")
                #expect(try json(patched)["priority"] as? Int == 3)
                let half = try await call(
                    client, .patch, "/tasks/\(id)", token: token, body: #"{"title": "renamed?", "due_at": "soon"}"#)
                #expect(half.status == .badRequest)
                #expect(try errorField(half) == "due_at")
                let unchanged = try json(try await call(client, .get, "/tasks/\(id)", token: token))
                #expect(unchanged["title"] as? String == "call mom and dad")  // the good half did not apply either
                let moved = try await call(client, .patch, "/tasks/\(id)", token: token, body: #"{"due_at": "2026-11-25T15:00:00Z"}"#)
                #expect(try json(moved)["due_at"] as? String == "2026-11-25T15:00:00Z")
                #expect(try json(moved)["remind_at"] as? String == "2026-11-25T15:00:00Z")
                #expect(try json(moved)["priority"] as? Int == 3)  // absent: left as it was
                let cleared = try await call(client, .patch, "/tasks/\(id)", token: token, body: #"{"priority": null}"#)
                #expect(try json(cleared)["priority"] is NSNull)
                let done = try await call(client, .post, "/tasks/\(id)/complete", token: token)
                #expect(try json(done)["status"] as? String == "done")
                #expect(try json(done)["completed_at"] as? String != nil)
                let openOnly = try json(try await call(client, .get, "/tasks?limit=200", token: token))
                #expect((openOnly["items"] as? [[String: Any]])?.count == 5)
                let doneList = try json(try await call(client, .get, "/tasks?status=done", token: token))
                #expect((doneList["items"] as? [[String: Any]])?.count == 1)
                let alpha = try #require(
                    (openOnly["items"] as? [[String: Any]])?.first { $0["title"] as? String == "alpha" }?["id"] as? Int)
                #expect(try await call(client, .delete, "/tasks/\(alpha)", token: token).status == .noContent)
                #expect(try await call(client, .get, "/tasks/\(alpha)", token: token).status == .notFound)
                #expect(try await call(client, .get, "/tasks/abc", token: token).status == .notFound)
                // A done task stays as history: deleting it is a 409, and it is still there.
                #expect(try await call(client, .delete, "/tasks/\(id)", token: token).status == .conflict)
                #expect(try await call(client, .get, "/tasks/\(id)", token: token).status == .ok)
                // An empty status list or a broken escape is a 400, never "no filter".
                #expect(try await call(client, .get, "/tasks?status=,", token: token).status == .badRequest)
                #expect(try await call(client, .get, "/tasks?limit=0&x=%zz", token: token).status == .badRequest)
                let beta = try #require(
                    (openOnly["items"] as? [[String: Any]])?.first { $0["title"] as? String == "beta" }?["id"] as? Int)
                let past = try await call(
                    client, .patch, "/tasks/\(beta)", token: token, body: #"{"remind_at": "2026-01-01T00:00:00Z"}"#)
                #expect(past.status == .badRequest)
                #expect(try errorField(past) == "remind_at")
            }
        }
    }

    @Test("isolation: another person's task is a 404 to get, change, complete or delete, and never listed")
    func isolation() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let ann = try await register(client, "ann@example.com").access
                let bob = try await register(client, "bob@example.com").access
                let created = try await post(client, "/tasks", #"{"title": "ann's secret plan"}"#, token: ann)
                let id = try #require(try json(created)["id"] as? Int)
                #expect(try await call(client, .get, "/tasks/\(id)", token: bob).status == .notFound)
                #expect(try await call(client, .patch, "/tasks/\(id)", token: bob, body: #"{"title": "mine"}"#).status == .notFound)
                #expect(try await call(client, .post, "/tasks/\(id)/complete", token: bob).status == .notFound)
                #expect(try await call(client, .delete, "/tasks/\(id)", token: bob).status == .notFound)
                let list = try json(try await call(client, .get, "/tasks?status=open,done", token: bob))
                #expect((list["items"] as? [[String: Any]])?.isEmpty == true)
                let search = try json(try await call(client, .get, "/tasks?q=secret", token: bob))
                #expect((search["items"] as? [[String: Any]])?.isEmpty == true)
                let still = try json(try await call(client, .get, "/tasks/\(id)", token: ann))
                #expect(still["title"] as? String == "ann's secret plan" && still["status"] as? String == "open")
            }
        }
    }

    @Test("settings: read and change zone, quiet hours, digests and channels; one bad field changes nothing")
    func settings() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let token = try await register(client, "ann@example.com").access
                let initial = try json(try await call(client, .get, "/me/settings", token: token))
                #expect(initial["quiet_start"] as? String == "21:00" && initial["morning_time"] as? String == "09:00")
                #expect((initial["channels"] as? [String: String])?["weekly"] == "sms")
                let changed = try await call(
                    client, .patch, "/me/settings", token: token,
                    body: #"{"time_zone": "Europe/London", "quiet_start": "22:30", "quiet_end": "06:45", "morning_time": "07:15", "motivation_enabled": true, "weekly_enabled": false, "channels": {"weekly": "email"}}"#)
                #expect(changed.status == .ok)
                let body = try json(changed)
                #expect(body["time_zone"] as? String == "Europe/London")
                #expect(body["quiet_start"] as? String == "22:30" && body["quiet_end"] as? String == "06:45")
                #expect(body["morning_time"] as? String == "07:15" && body["motivation_enabled"] as? Bool == true)
                #expect(body["weekly_enabled"] as? Bool == false)
                #expect((body["channels"] as? [String: String])?["weekly"] == "email")
                for (patch, field) in [
                    (#"{"morning_time": "7am", "time_zone": "Asia/Tokyo"}"#, "morning_time"),
                    (#"{"time_zone": "Nowhere/City"}"#, "time_zone"),
                    (#"{"quiet_start": "22:00"}"#, "quiet_end"),
                    (#"{"channels": {"weekly": "pigeon"}}"#, "channels.weekly"),
                    (#"{"channels": {"gossip": "sms"}}"#, "channels.gossip"),
                ] {
                    let response = try await call(client, .patch, "/me/settings", token: token, body: patch)
                    #expect(response.status == .badRequest)
                    #expect(try errorField(response) == field)
                }
                let after = try json(try await call(client, .get, "/me/settings", token: token))
                #expect(after["time_zone"] as? String == "Europe/London")  // the Tokyo half of a bad request did not apply
                let off = try json(try await call(client, .patch, "/me/settings", token: token, body: #"{"quiet_enabled": false}"#))
                #expect(off["quiet_start"] is NSNull)
            }
        }
    }

    @Test("the deliveries log shows what was sent or not and why, newest first, in pages")
    func deliveriesLog() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let token = try await register(client, "ann@example.com").access
                _ = try await post(client, "/tasks", #"{"text": "stretch in 5 min"}"#, token: token)
                _ = try await post(client, "/tasks", #"{"text": "water plants in 10 min"}"#, token: token)
                harness.clock.advance(by: 600)
                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                let log = try json(try await call(client, .get, "/deliveries?limit=1", token: token))
                let items = try #require(log["items"] as? [[String: Any]])
                #expect(items.count == 1)
                #expect(items.first?["kind"] as? String == "reminder")
                // A web account without a phone: the reminder is recorded as not sent, with the reason.
                #expect(items.first?["status"] as? String == "suppressed")
                #expect(items.first?["error_message"] as? String == "no phone linked")
                let cursor = try #require(log["next_cursor"] as? String)
                let next = try json(try await call(client, .get, "/deliveries?limit=1&cursor=\(cursor)", token: token))
                let older = try #require((next["items"] as? [[String: Any]])?.first)
                #expect((older["id"] as? Int ?? 0) < (items.first?["id"] as? Int ?? 0))
                #expect(try await call(client, .get, "/deliveries?cursor=x", token: token).status == .badRequest)
            }
        }
    }

    /// The code texted to `phone` (the last SMS the fake Twilio got for it).
    func code(_ twilio: FakeTwilioServer, to phone: String) throws -> String {
        let body = try #require(twilio.received.last { $0.to == phone }?.body)
        return String(try #require(body.split(separator: " ").dropFirst(2).first).prefix(6))
    }

    @Test("linking a new phone by SMS code: wrong codes count down, the right one links, texts then reach the same list")
    func linkPhone() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let token = try await register(client, "ann@example.com").access
                _ = try await post(client, "/tasks", #"{"title": "pay rent"}"#, token: token)
                #expect(try await post(client, "/me/phone", #"{"phone": "12"}"#, token: token).status == .badRequest)
                let asked = try await post(client, "/me/phone", #"{"phone": "(555) 555-0142"}"#, token: token)
                #expect(asked.status == .accepted)
                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                let secret = try code(twilio, to: "+15555550142")
                #expect(twilio.received.last?.body.hasPrefix("TaskPulse code: \(secret).") == true)
                let log = try json(try await call(client, .get, "/deliveries", token: token))
                let row = try #require((log["items"] as? [[String: Any]])?.first)
                #expect(row["kind"] as? String == "phone_code" && row["body"] as? String == "Link code sent to ***0142")
                let wrong = try await post(client, "/me/phone/verify", #"{"code": "000000x"}"#, token: token)
                #expect(wrong.status == .badRequest)
                #expect((try json(wrong)["error"] as? [String: Any])?["message"] as? String == "that code is not right; 4 tries left")
                let linked = try await post(client, "/me/phone/verify", #"{"code": "\#(secret)"}"#, token: token)
                #expect(linked.status == .ok)
                #expect(try json(linked)["merged"] as? Bool == false)
                #expect(try json(try await call(client, .get, "/me", token: token))["phone"] as? String == "+15555550142")
                let reply = try await client.text("list", from: "+15555550142")
                #expect(reply.text.contains("pay rent"))
                #expect(try await post(client, "/me/phone", #"{"phone": "+15555550199"}"#, token: token).status == .conflict)
            }
        }
    }

    @Test("linking a number that already texts merges the account into that person: one list, new tokens, same login")
    func linkMerges() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add call mom tomorrow 9am", from: "+15555550177")
                let old = try await register(client, "ann@example.com").access
                _ = try await post(client, "/tasks", #"{"title": "pay rent"}"#, token: old)
                _ = try await post(client, "/me/phone", #"{"phone": "+15555550177"}"#, token: old)
                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                let merged = try json(try await post(client, "/me/phone/verify", #"{"code": "\#(try code(twilio, to: "+15555550177"))"}"#, token: old))
                #expect(merged["merged"] as? Bool == true)
                let fresh = try #require((merged["tokens"] as? [String: Any])?["access_token"] as? String)
                #expect(try await call(client, .get, "/me", token: old).status == .unauthorized)
                let list = try json(try await call(client, .get, "/tasks?sort=number", token: fresh))
                let items = try #require(list["items"] as? [[String: Any]])
                #expect(items.map { $0["title"] as? String } == ["call mom", "pay rent"])
                #expect(items.map { $0["number"] as? Int } == [1, 2])
                let reply = try await client.text("list", from: "+15555550177")
                #expect(reply.text.contains("call mom") && reply.text.contains("pay rent"))
                let login = try await post(client, "/auth/login", #"{"email": "ann@example.com", "password": "correct horse battery"}"#)
                let access = try #require(try json(login)["access_token"] as? String)
                #expect(try json(try await call(client, .get, "/me", token: access))["phone"] as? String == "+15555550177")
            }
        }
    }

    @Test("five wrong codes use the code up")
    func codeAttempts() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let token = try await register(client, "ann@example.com").access
                _ = try await post(client, "/me/phone", #"{"phone": "+15555550142"}"#, token: token)
                for _ in 1...5 { _ = try await post(client, "/me/phone/verify", #"{"code": "999999x"}"#, token: token) }
                let gone = try await post(client, "/me/phone/verify", #"{"code": "123456"}"#, token: token)
                #expect(gone.status == .gone)
            }
        }
    }

    @Test("calendar feed: a private RFC 5545 feed of dated tasks, escaped and folded; rotating it kills the old URL")
    func calendar() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let ann = try await register(client, "ann@example.com").access
                let bob = try await register(client, "bob@example.com").access
                _ = try await post(client, "/tasks", #"{"text": "lunch, then gym; maybe tomorrow noon"}"#, token: ann)
                _ = try await post(client, "/tasks", #"{"title": "no date"}"#, token: ann)
                _ = try await post(client, "/tasks", #"{"text": "bob's dentist tomorrow 3pm"}"#, token: bob)
                let rotated = try json(try await call(client, .post, "/me/calendar", token: ann))
                let url = try #require(rotated["url"] as? String)
                #expect(url.hasPrefix("https://taskpulse.test/calendar/") && url.hasSuffix(".ics"))
                let path = String(url.dropFirst("https://taskpulse.test".count))
                let feed = try await client.execute(uri: path, method: .get)
                #expect(feed.status == .ok)
                #expect(feed.headers[.contentType]?.hasPrefix("text/calendar") == true)
                let text = feed.text
                #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
                #expect(text.contains("SUMMARY:lunch\\, then gym\\; maybe\r\n"))
                #expect(text.contains("DTSTART:20261124T170000Z"))  // noon in New York
                #expect(!text.contains("no date") && !text.contains("dentist"))
                #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
                _ = try await call(client, .post, "/me/calendar", token: ann)
                #expect(try await client.execute(uri: path, method: .get).status == .notFound)
                #expect(try await client.execute(uri: "/calendar/nothing.ics", method: .get).status == .notFound)
            }
        }
    }

    @Test("a NUL character in a JSON string, a query or a calendar token is a 400 naming the field or a 404, never a 500 (PostgreSQL cannot store it)")
    func nulCharacters() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let (token, _) = try await register(client, "nul@example.com")
                let title = try await post(client, "/tasks", #"{"title": "pay\u0000 rent"}"#, token: token)
                #expect(title.status == .badRequest)
                #expect(try errorField(title) == "title")
                let nested = try await post(client, "/students/messages", #"{"student_ids": ["\u0000"], "text": "hi"}"#, token: token)
                #expect(nested.status == .badRequest)
                #expect(try errorField(nested) == "student_ids.0")
                let query = try await call(client, .get, "/tasks?status=open%00", token: token)
                #expect(query.status == .badRequest)
                #expect(try errorField(query) == "status")
                #expect(try await client.execute(uri: "/calendar/abc%00.ics", method: .get).status == .notFound)
                let list = try await call(client, .get, "/tasks", token: token)
                #expect(list.status == .ok)
                #expect(!list.text.contains("pay"))
            }
        }
    }
}
