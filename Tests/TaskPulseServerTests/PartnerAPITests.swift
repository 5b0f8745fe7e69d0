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

/// The partner endpoints (issue 7): invite, consent by SMS only, assign, list assigned, message, revoke.
@Suite("Partner API", .timeLimit(.minutes(1)))
struct PartnerAPITests {
    let api = APITests()
    static let student = "+12125550177"

    func errorCode(_ response: TestResponse) throws -> (code: String?, field: String?) {
        let error = try api.json(response)["error"] as? [String: Any]
        return (error?["code"] as? String, error?["field"] as? String)
    }

    @Test("a partner invites, nothing is assigned before YES, assigns after, sees only what they assigned, then revokes")
    func wholeFlow() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let token = try await api.register(client, "coach@example.com").access
                let nameless = try await api.call(
                    client, .post, "/links", token: token, body: #"{"phone": "\#(Self.student)", "name": "Sam"}"#)
                #expect(nameless.status == .conflict)
                #expect(try errorCode(nameless) == ("display_name_required", "display_name"))
                let named = try await api.call(client, .patch, "/me/settings", token: token, body: #"{"display_name": "Coach Bo"}"#)
                #expect(try api.json(named)["display_name"] as? String == "Coach Bo")

                for (body, field) in [
                    (#"{"phone": "12345", "name": "Sam"}"#, "phone"), (#"{"name": "Sam"}"#, "phone"),
                    (#"{"phone": "\#(Self.student)"}"#, "name"), (#"{"phone": "\#(Self.student)", "name": "all"}"#, "name"),
                ] {
                    let refused = try await api.call(client, .post, "/links", token: token, body: body)
                    #expect(refused.status == .badRequest, "\(body)")
                    #expect(try errorCode(refused).field == field, "\(body)")
                }
                let invited = try await api.call(
                    client, .post, "/links", token: token, body: #"{"phone": "\#(Self.student)", "name": "Sam"}"#)
                #expect(invited.status == .created)
                let link = try api.json(invited)
                #expect(link["status"] as? String == "pending" && link["role"] as? String == "partner")
                let id = try #require(link["id"] as? Int)
                let twice = try await api.call(
                    client, .post, "/links", token: token, body: #"{"phone": "\#(Self.student)", "name": "Sammy"}"#)
                #expect(try errorCode(twice).code == "already_pending")

                let early = try await api.call(client, .post, "/students/\(id)/tasks", token: token, body: #"{"text": "read ch 5 by thu"}"#)
                #expect(early.status == .conflict)
                #expect(try errorCode(early).code == "not_accepted")
                let nobody = try await api.call(client, .post, "/students/messages", token: token, body: #"{"text": "hello"}"#)
                #expect(try api.json(nobody)["reached"] as? Int == 0)

                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                #expect(twilio.received.filter { $0.to == Self.student }.map(\.body).first?.contains("Coach Bo wants to link") == true)
                _ = try await client.text("yes", from: Self.student)
                _ = try await client.text("add secret diary tomorrow 8pm", from: Self.student)

                let assigned = try await api.call(
                    client, .post, "/students/\(id)/tasks", token: token, body: #"{"text": "read ch 5 by thu"}"#)
                #expect(assigned.status == .created)
                #expect(try api.json(assigned)["title"] as? String == "read ch 5")
                let byFields = try await api.call(
                    client, .post, "/students/\(id)/tasks", token: token, body: #"{"title": "worksheet", "due_at": "2026-11-27T21:00:00Z"}"#)
                #expect(byFields.status == .created)
                let list = try await api.call(client, .get, "/students/\(id)/tasks", token: token)
                let titles = (try api.json(list)["items"] as? [[String: Any]])?.compactMap { $0["title"] as? String }
                #expect(titles == ["read ch 5", "worksheet"])
                let students = try api.json(try await api.call(client, .get, "/students", token: token))
                let sam = try #require((students["items"] as? [[String: Any]])?.first)
                #expect(sam["status"] as? String == "active")
                #expect((sam["progress"] as? [String: Any])?["open"] as? Int == 2)

                let other = try await api.register(client, "other@example.com").access
                #expect(try await api.call(client, .get, "/students/\(id)/tasks", token: other).status == .notFound)
                #expect(try await api.call(client, .delete, "/links/\(id)", token: other).status == .notFound)
                let otherStudents = try api.json(try await api.call(client, .get, "/students", token: other))
                #expect((otherStudents["items"] as? [Any])?.isEmpty == true)

                let sent = try await api.call(client, .post, "/students/messages", token: token, body: #"{"text": "quiz moved to friday"}"#)
                let result = try api.json(sent)
                #expect(result["reached"] as? Int == 1)
                #expect(((result["results"] as? [[String: Any]])?.first)?["outcome"] as? String == "queued")
                for body in [
                    #"{"text": ""}"#, #"{"text": "hi", "student_ids": []}"#, #"{}"#, #"{"text": "hi", "student_ids": null}"#,
                    "{\"text\": \"\(String(repeating: "x", count: 280)) \"}",
                ] {
                    let bad = try await api.call(client, .post, "/students/messages", token: token, body: body)
                    #expect(bad.status == .badRequest, "\(body)")
                    #expect(try errorCode(bad).field != nil, "\(body)")
                }
                let unknown = try await api.call(
                    client, .post, "/students/messages", token: token, body: #"{"text": "hi", "student_ids": [999]}"#)
                #expect(((try api.json(unknown)["results"] as? [[String: Any]])?.first)?["outcome"] as? String == "unknown")

                #expect(try await api.call(client, .delete, "/links/\(id)", token: token).status == .noContent)
                #expect(try await api.call(client, .get, "/students/\(id)/tasks", token: token).status == .notFound)
                let links = try api.json(try await api.call(client, .get, "/links", token: token))
                #expect(((links["items"] as? [[String: Any]])?.first)?["status"] as? String == "unlinked")

                // A withdrawn request counts: the number is not asked again within the week, and the error
                // says until when.
                _ = try await api.call(client, .patch, "/me/settings", token: other, body: #"{"display_name": "Ms Lee"}"#)
                let asked = try await api.call(
                    client, .post, "/links", token: other, body: #"{"phone": "+12125550178", "name": "Kim"}"#)
                let askedID = try #require(try api.json(asked)["id"] as? Int)
                #expect(try await api.call(client, .delete, "/links/\(askedID)", token: other).status == .noContent)
                let again = try await api.call(
                    client, .post, "/links", token: other, body: #"{"phone": "+12125550178", "name": "Kim"}"#)
                #expect(again.status == .conflict)
                #expect(try errorCode(again) == ("invite_refused", "phone"))
                let message = try #require((try api.json(again)["error"] as? [String: Any])?["message"] as? String)
                #expect(message.wholeMatch(of: /that number cannot be invited again before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "\(message)")
            }
        }
    }

    @Test("linking the phone merges the account into the texting person: its students move, a link to that phone ends")
    func mergeKeepsStudents() async throws {
        let own = "+12125550188"
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("list", from: own)
                let token = try await api.register(client, "parent@example.com").access
                _ = try await api.call(client, .patch, "/me/settings", token: token, body: #"{"display_name": "Dad"}"#)
                for (phone, name) in [(Self.student, "Sam"), (own, "Me")] {
                    let invited = try await api.call(
                        client, .post, "/links", token: token, body: #"{"phone": "\#(phone)", "name": "\#(name)"}"#)
                    #expect(invited.status == .created)
                }
                _ = try await api.call(client, .post, "/me/phone", token: token, body: #"{"phone": "\#(own)"}"#)
                while try await harness.parts.dispatcher.drainOnce() > 0 {}
                let codeText = try #require(twilio.received.last { $0.to == own && $0.body.contains("code") }?.body)
                let code = String(codeText.split(separator: " ")[2].prefix(6))
                let verified = try api.json(
                    try await api.call(client, .post, "/me/phone/verify", token: token, body: #"{"code": "\#(code)"}"#))
                #expect(verified["merged"] as? Bool == true)
                let fresh = try #require((verified["tokens"] as? [String: Any])?["access_token"] as? String)
                let links = try api.json(try await api.call(client, .get, "/links", token: fresh))
                let byName = Dictionary(
                    uniqueKeysWithValues: (links["items"] as? [[String: Any]] ?? []).compactMap { item in
                        (item["student_name"] as? String).map { ($0, item["status"] as? String) }
                    })
                #expect(byName == ["Sam": "pending", "Me": "unlinked"])
            }
        }
    }
}
