import Foundation
import Testing

@testable import TaskPulseMessaging

@Suite("SMS segment counting (GSM-7 / UCS-2)")
struct SegmentCounterTests {
    @Test("GSM-7 fits 160 in one segment and 153 per part after that")
    func gsmBoundaries() {
        #expect(SegmentCounter.count(String(repeating: "a", count: 160)) == (.gsm7, 1))
        #expect(SegmentCounter.count(String(repeating: "a", count: 161)) == (.gsm7, 2))
        #expect(SegmentCounter.count(String(repeating: "a", count: 306)) == (.gsm7, 2))
        #expect(SegmentCounter.count(String(repeating: "a", count: 307)) == (.gsm7, 3))
        #expect(SegmentCounter.count("") == (.gsm7, 1))
    }

    @Test("extension characters take two septets and are never split across parts")
    func extensionTable() {
        #expect(SegmentCounter.count(String(repeating: "€", count: 80)) == (.gsm7, 1))
        #expect(SegmentCounter.count(String(repeating: "€", count: 81)) == (.gsm7, 2))
        // 152 plain septets then "{": 154 septets in all would fit 2 parts of 153 only by splitting the pair.
        let text = String(repeating: "a", count: 152) + "{" + String(repeating: "a", count: 152)
        #expect(SegmentCounter.count(text) == (.gsm7, 3))
        #expect(SegmentCounter.count("Tom & Jerry: 50% off {today} ~ [x] | ^ \\ €") .encoding == .gsm7)
        #expect(SegmentCounter.count("äöüñ ÄÖÜÑ é à ß Ø Å Δ").encoding == .gsm7)
    }

    @Test("any other character makes the whole text UCS-2: 70 single, 67 per part")
    func ucs2() {
        #expect(SegmentCounter.count("café’s").encoding == .ucs2)  // curly apostrophe
        #expect(SegmentCounter.count(String(repeating: "买", count: 70)) == (.ucs2, 1))
        #expect(SegmentCounter.count(String(repeating: "买", count: 71)) == (.ucs2, 2))
        #expect(SegmentCounter.count(String(repeating: "买", count: 134)) == (.ucs2, 2))
    }

    @Test("emoji take two UCS-2 units and a pair is never split")
    func emoji() {
        #expect(SegmentCounter.count(String(repeating: "🎂", count: 35)) == (.ucs2, 1))
        #expect(SegmentCounter.count(String(repeating: "🎂", count: 36)) == (.ucs2, 2))
        // 66 units then an emoji: the pair goes whole into the second part.
        let text = String(repeating: "a", count: 66) + "🎂" + String(repeating: "a", count: 10)
        #expect(SegmentCounter.count(text) == (.ucs2, 2))
        #expect(SegmentCounter.count("👨‍👩‍👧").encoding == .ucs2)
    }
}

@Suite("Message templates in prompts/")
struct MessageTemplateTests {
    static var promptsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("prompts").path
    }

    @Test("the shipped templates load and every one fits its segment budget with sample data")
    func shipped() async throws {
        let templates = try await MessageTemplates.load(directory: MessageTemplateTests.promptsDirectory)
        let text = templates.render("sms/reminder", ["program": "TaskPulse", "title": "stretch", "number": 2])
        #expect(text == "TaskPulse reminder: stretch (#2). Reply DONE 2 when finished.")
    }

    @Test("a render loses surrounding whitespace and newlines (any Unicode space), never inner ones")
    func trimming() {
        #expect(MessageTemplates.trimmed("  call mom \n") == "call mom")
        #expect(MessageTemplates.trimmed("call  mom") == "call  mom")
        #expect(MessageTemplates.trimmed("\u{2028}\u{00A0}call\tmom\r\n\u{3000}") == "call\tmom")
        #expect(MessageTemplates.trimmed("x\n") == "x")
        #expect(MessageTemplates.trimmed("\n") == "")
        #expect(MessageTemplates.trimmed("") == "")
    }

    static func copyPrompts(to folder: URL) throws {
        try FileManager.default.copyItem(at: URL(fileURLWithPath: promptsDirectory), to: folder)
    }

    @Test("the shipped emails: HTML escapes what people typed, text keeps it, both carry the unsubscribe link")
    func shippedEmails() async throws {
        let templates = try await MessageTemplates.load(directory: MessageTemplateTests.promptsDirectory)
        let data: [String: Any] = [
            "program": "TaskPulse", "title": "fix <b>bug</b> & ship", "number": 3, "day": "Mon Nov 23",
            "unsubscribe_url": "https://x.example/email/unsubscribe?token=abc",
        ]
        let email = try #require(templates.renderEmail("email/reminder", data))
        #expect(email.subject == "Reminder: fix <b>bug</b> & ship")
        #expect(email.text.contains("Reminder: fix <b>bug</b> & ship (#3)"))
        #expect(email.html.contains("fix &lt;b&gt;bug&lt;/b&gt; &amp; ship"))
        #expect(!email.html.contains("<b>bug</b>"))
        #expect(email.text.contains("https://x.example/email/unsubscribe?token=abc"))
        #expect(email.html.contains("href=\"https://x.example/email/unsubscribe?token=abc\""))
        let verify = try #require(
            templates.renderEmail(
                "email/verify",
                ["program": "TaskPulse", "address": "a@b.example", "link": "https://x.example/email/verify?token=t", "hours": 24]))
        #expect(verify.text.contains("https://x.example/email/verify?token=t"))
        #expect(!verify.html.contains("unsubscribe"))
    }

    @Test("an email template without the unsubscribe link, or with a two-line subject, stops start-up")
    func refusedEmail() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try MessageTemplateTests.copyPrompts(to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let weekly = folder.appendingPathComponent("email/weekly.html.mustache")
        let original = try String(contentsOf: weekly, encoding: .utf8)
        try original.replacingOccurrences(of: "{{> email/layout_bottom}}", with: "</body></html>")
            .write(to: weekly, atomically: true, encoding: .utf8)
        await #expect(throws: MessageTemplates.LoadError.self) { _ = try await MessageTemplates.load(directory: folder.path) }
        try original.write(to: weekly, atomically: true, encoding: .utf8)
        _ = try await MessageTemplates.load(directory: folder.path)
        try "Your week\n{{done}} done".write(
            to: folder.appendingPathComponent("email/weekly.subject.mustache"), atomically: true, encoding: .utf8)
        await #expect(throws: MessageTemplates.LoadError.self) { _ = try await MessageTemplates.load(directory: folder.path) }
    }

    @Test("a template over its budget or missing stops start-up")
    func refused() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try MessageTemplateTests.copyPrompts(to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await MessageTemplates.load(directory: folder.path)
        let long = String(repeating: "This reminder is far too wordy. ", count: 8) + "{{{title}}}"
        try long.write(to: folder.appendingPathComponent("sms/reminder.mustache"), atomically: true, encoding: .utf8)
        await #expect(throws: MessageTemplates.LoadError.self) { _ = try await MessageTemplates.load(directory: folder.path) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("sms/reminder.mustache"))
        await #expect(throws: MessageTemplates.LoadError.self) { _ = try await MessageTemplates.load(directory: folder.path) }
    }
}
