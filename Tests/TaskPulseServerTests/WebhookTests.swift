import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TaskPulseDomain
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport
import Testing

@Suite("POST /twilio/sms", .timeLimit(.minutes(1)))
struct WebhookTests {
    @Test("a signed text is stored and answered with TwiML that says how it was understood")
    func signedText() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let response = try await client.text("add call mom tomorrow 9am")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/xml") == true)
                // The server's own time, for benchmarks and browser tools: "app;dur=<ms with 3 decimals>".
                let timing = try #require(response.headers[.init("Server-Timing")!])
                #expect(timing.wholeMatch(of: /app;dur=\d+\.\d{3}/) != nil)
                // A new number's first reply opens with the welcome and the guessed zone (area code 555: default).
                #expect(response.text.contains("<Response><Message>Welcome to TaskPulse! Try:"))
                #expect(
                    response.text.contains(
                        "Added #1 call mom, Tue Nov 24 9:00 AM EST. UNDO to remove.</Message></Response>"))
            }
            let user = try #require(try await harness.store.user(phone: Phone("+15555550100")!))
            #expect(try await harness.store.tasks(userID: user.id, status: .open).map(\.title) == ["call mom"])
        }
    }

    @Test("unsigned or forged webhooks are refused with 403 and change nothing")
    func forgedSignature() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let fields = Harness.fields(from: "+15555550100", body: "add x 5pm", sid: "SMforged")
                let forged = Harness.signedForm(fields, token: "wrong-token")
                let response = try await client.postWebhook(form: forged.body, signature: forged.signature)
                #expect(response.status == .forbidden)
                let unsigned = try await client.postWebhook(form: forged.body, signature: nil)
                #expect(unsigned.status == .forbidden)
                // A field changed after signing breaks the signature too.
                let good = Harness.signedForm(fields)
                let tampered = try await client.postWebhook(form: good.body.replacingOccurrences(of: "5pm", with: "6pm"), signature: good.signature)
                #expect(tampered.status == .forbidden)
            }
            #expect(try await harness.store.user(phone: Phone("+15555550100")!) == nil)
        }
    }

    @Test("missing From, Body or MessageSid is a 400 naming the field", arguments: ["From", "Body", "MessageSid"])
    func missingField(field: String) async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let fields = Harness.fields(from: "+15555550100", body: "list", sid: "SMmissing").filter {
                    $0.0 != field
                }
                let response = try await client.postSigned(fields)
                #expect(response.status == .badRequest)
                #expect(response.text.contains("\"field\":\"\(field)\""))
            }
        }
    }

    @Test("the same MessageSid twice gets the same reply and adds one task")
    func retriedWebhook() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let first = try await client.text("add water plants 5pm", sid: "SMretry1")
                let second = try await client.text("add water plants 5pm", sid: "SMretry1")
                #expect(first.text == second.text)
                #expect(first.status == .ok && second.status == .ok)
            }
            let user = try #require(try await harness.store.user(phone: Phone("+15555550100")!))
            #expect(try await harness.store.tasks(userID: user.id, status: nil).count == 1)
            #expect(try await harness.store.reminderDeliveries(userID: user.id).count == 1)
        }
    }

    @Test("each person sees only their own tasks, numbered from 1")
    func isolation() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add alice secret 5pm", from: "+15555550001")
                let bob = try await client.text("add bob thing 6pm", from: "+15555550002")
                #expect(bob.text.contains("Added #1 bob thing"))
                let list = try await client.text("list", from: "+15555550002")
                #expect(!list.text.contains("alice"))
                let done = try await client.text("done 1", from: "+15555550002")
                #expect(done.text.contains("bob thing"))
                let aliceList = try await client.text("list", from: "+15555550001")
                #expect(aliceList.text.contains("#1 alice secret"))
            }
        }
    }

    @Test("replies are escaped XML and keep any script and emoji byte-exact")
    func escapingAndUnicode() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let title = "Tom & Jerry <b>🎂 买牛奶 Re\u{301}sume\u{301}"
                let response = try await client.text("add \(title) tomorrow 5pm")
                let escaped = "Tom &amp; Jerry &lt;b&gt;🎂 买牛奶 Re\u{301}sume\u{301}"
                #expect(Array(response.text.utf8).starts(with: Array("<?xml".utf8)))
                #expect(
                    response.text.utf8.count > 0
                        && String(decoding: response.body.readableBytesView, as: UTF8.self).contains(escaped))
                #expect(Array(response.body.readableBytesView).firstRange(of: Array(escaped.utf8)) != nil)
            }
            let user = try #require(try await harness.store.user(phone: Phone("+15555550100")!))
            let stored = try #require(try await harness.store.tasks(userID: user.id, status: .open).first)
            #expect(Array(stored.title.utf8) == Array("Tom & Jerry <b>🎂 买牛奶 Re\u{301}sume\u{301}".utf8))
        }
    }

    @Test("a second STOP gets no second confirmation; 'stop reminding me...' is not an opt-out")
    func stopWording() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let laundry = try await client.text("stop reminding me about laundry")
                #expect(laundry.text.contains("text STOP on its own"))
                let first = try await client.text("stop please")
                #expect(first.text.contains("unsubscribed"))
                let second = try await client.text("STOP")
                #expect(second.text.hasSuffix("<Response/>"))
                let help = try await client.text("HELP")
                #expect(help.text.contains("Reply STOP to cancel"))
                // YES from an opted-out number is Twilio's opt-in word: it means START.
                let yes = try await client.text("yes")
                #expect(yes.text.contains("you're subscribed"))
                #expect(try await harness.store.user(phone: Phone("+15555550100")!)?.isOptedOut == false)
            }
        }
    }

    @Test("an empty MessageSid is refused, not used as a shared idempotency key")
    func emptyMessageSid() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let response = try await client.text("list", sid: "")
                #expect(response.status == .badRequest)
                #expect(response.text.contains(#""field":"MessageSid""#))
            }
        }
    }

    @Test("dates in another year show the year")
    func yearInReply() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let response = try await client.text("add renew visa jan 5 10am")
                #expect(response.text.contains("Tue Jan 5 2027 10:00 AM EST"))
            }
        }
    }

    @Test(
        "anything not understood gets a hint, never silence or a 5xx",
        arguments: ["asdfgh", "", "lsit", "👍", "remind me to call mom"])
    func notUnderstood(text: String) async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let response = try await client.text(text)
                #expect(response.status == .ok)
                #expect(response.text.contains("<Message>"))
            }
        }
    }
}
