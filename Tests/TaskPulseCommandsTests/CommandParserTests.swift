import Foundation
import TaskPulseDomain
import TaskPulseTiming
import PropertyBased
import Testing

@testable import TaskPulseCommands

@Suite("The SMS command language (DESIGN §2)")
struct CommandParserTests {
    let zone = TimeZone(identifier: "America/New_York")!
    var context: ParseContext {
        ParseContext(now: ZonedTime.instant(LocalDateTime(iso: "2026-11-23T10:15")!, in: zone), zone: zone)
    }

    func parse(_ text: String) -> Command { CommandParser().parse(text, context: context) }

    @Test(
        "bare opt-out keywords and polite wording opt out",
        arguments: [
            "STOP", "stop", "Stop.", "UNSUBSCRIBE", "cancel", "END", "quit", "STOPALL", "stop please",
            "please stop texting me",
            "Stop!", "opt out", "no more texts",
        ])
    func optOut(text: String) {
        guard case .stop = parse(text) else {
            Issue.record("\(text) should opt out, got \(parse(text))")
            return
        }
    }

    @Test("partner and student commands: choices, block, tell, alerts, display name")
    func partnerCommands() {
        #expect(parse("yes 2") == .consentChoice(true, 2))
        #expect(parse("no #1") == .consentChoice(false, 1))
        #expect(parse("block") == .block(nil))
        #expect(parse("BLOCK 2") == .block(2))
        #expect(parse("tell all quiz moved to Friday") == .tell(name: nil, text: "quiz moved to Friday"))
        #expect(parse("tell Sam see you at 5") == .tell(name: "Sam", text: "see you at 5"))
        #expect(parse("tell all") == .refused(.tell, .emptyTitle))
        #expect(parse("alerts") == .alerts(nil, nil))
        #expect(parse("alerts off") == .alerts(nil, false))
        #expect(parse("alerts done off") == .alerts(.done, false))
        #expect(parse("alerts overdue on") == .alerts(.overdue, true))
        #expect(parse("alerts weekly off") == .alerts(.weekly, false))
        #expect(parse("name Ms Lee") == .displayName("Ms Lee"))
        #expect(parse("name") == .displayName(nil))
        guard case .unknown = parse("alerts sometimes") else {
            Issue.record("alerts with an unknown switch is not understood")
            return
        }
    }

    @Test("email commands and per-kind channel choices")
    func channels() {
        #expect(parse("email") == .emailStatus)
        #expect(parse("email off") == .emailRemove)
        #expect(parse("email me@example.com") == .email("me@example.com"))
        #expect(parse("weekly email") == .channel([.weekly], .email))
        #expect(parse("Reminders by text") == .channel([.reminder], .sms))
        #expect(parse("agenda and weekly by email") == .channel([.agenda, .weekly], .email))
        #expect(parse("all both") == .channel([.reminder, .agenda, .nudge, .motivation, .weekly], .both))
        #expect(parse("email nudges") == .channel([.nudge], .email))
        #expect(parse("motivation via e-mail") == .channel([.motivation], .email))
        // Not routing: a task, a digest time, a refused address.
        #expect(parse("add email landlord").name == "add")
        #expect(parse("weekly off") == .digest(.weekly, .off))
        #expect(parse("email bob@") == .refused(.email, .badEmail))
        #expect(parse("weekly team email").name != "channel")
        #expect(parse("weekly report email").name == "add")
        #expect(parse("email josé@exämple.com") == .refused(.email, .badEmail))
    }

    @Test("only the whole message is a keyword")
    func keywordsInsideCommands() {
        guard case .add(let request) = parse("add stop by the bank") else {
            Issue.record("expected add")
            return
        }
        #expect(request.title == "stop by the bank")
        if case .stop = parse("stop reminding me about laundry") { Issue.record("not an opt-out") }
    }

    @Test("Twilio's own keywords are marked so the app does not confirm twice")
    func carrierKeywords() {
        #expect(parse("STOP") == .stop(isCarrierKeyword: true))
        #expect(parse("stop please") == .stop(isCarrierKeyword: false))
        #expect(parse("START") == .start(isCarrierKeyword: true))
        #expect(parse("HELP") == .help(topic: nil))
        #expect(parse("help snooze") == .help(topic: "snooze"))
    }

    @Test("numbers and fragments select tasks")
    func selectors() {
        #expect(parse("done 2 4 5") == .done(.numbers([2, 4, 5])))
        #expect(parse("done #3") == .done(.numbers([3])))
        #expect(parse("done 2,5") == .done(.numbers([2, 5])))
        #expect(parse("done milk") == .done(.query("milk")))
        #expect(parse("rm 7") == .delete(.numbers([7])))
        #expect(parse("done") == .done(.numbers([])))  // the last reminded task, decided by the server
        #expect(parse("done 0") == .refused(.done, .badNumber))
    }

    @Test("remind needs a time; add needs a title")
    func refusals() {
        #expect(parse("remind me to call mom") == .refused(.add, .missingTime))
        #expect(parse("add tomorrow 9am") == .refused(.add, .emptyTitle))
        #expect(parse("add") == .refused(.add, .emptyTitle))
    }

    @Test(
        "typos get a hint, never an auto-correction",
        arguments: [
            ("lsit", "list"), ("dnoe 2", "done"), ("delte 3", "delete"), ("ad buy milk", "add"),
        ])
    func hints(text: String, hint: String) {
        #expect(parse(text) == .unknown(hint: hint))
    }

    @Test("gibberish and emoji are not understood, without a hint", arguments: ["asdfgh", "", "   ", "👍", "🙂🙂🙂"])
    func unknown(text: String) {
        #expect(parse(text) == .unknown(hint: nil))
    }

    @Test("titles keep their exact bytes: scripts, emoji, decomposed accents")
    func byteExactTitles() {
        let decomposed = "Re\u{301}sume\u{301} update"
        guard case .add(let request) = parse("add \(decomposed) friday 2pm") else {
            Issue.record("expected add")
            return
        }
        #expect(Array(request.title.utf8) == Array(decomposed.utf8))
        guard case .add(let family) = parse("add 👨‍👩‍👧 family call sunday 6pm") else {
            Issue.record("expected add")
            return
        }
        #expect(Array(family.title.utf8) == Array("👨‍👩‍👧 family call".utf8))
    }

    @Test(
        "odd input is refused or read as text, never a crash",
        arguments: [
            ("add dentist ２０２６-１２-０３", "add"), ("add x 2026-99999999999999999999-01", "add"),
            ("add x ９/１", "add"), ("add x in 99999999999999999999 min", "add"), ("add x 99:99pm", "add"),
            ("add x 12/99999999999999999999", "add"), ("done 99999999999999999999", "done"),
        ])
    func oddInput(text: String, command: String) {
        #expect(parse(text).name == command)
    }

    @Test("very long and repetitive input is parsed")
    func longInput() {
        #expect(parse(String(repeating: "add ", count: 2_000)).name == "add")
        #expect(parse(String(repeating: "9:", count: 1_000)).name == "unknown")
        #expect(parse(String(repeating: "\u{0}", count: 100)).name == "unknown")
    }

    @Test("a number list with nothing in it asks which task", arguments: ["done ,", "done .", "delete !", "done #"])
    func emptySelectors(text: String) {
        guard case .refused(_, .badNumber) = parse(text) else {
            Issue.record("\(text) should be refused with bad_number, got \(parse(text))")
            return
        }
    }

    @Test("no typo hint points at STOP")
    func noStopHint() {
        #expect(parse("stop reminding me about laundry") == .unknown(hint: nil))
        #expect(parse("stpo") == .unknown(hint: nil))
    }
}

@Suite("Parser properties")
struct ParserPropertyTests {
    static let zones = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney"]

    @Test("random Unicode up to 2,000 characters never crashes or hangs the parser, and parsing is deterministic")
    func randomUnicode() async {
        // Any scalar from space to the emoji blocks; surrogate code points (not scalars) become "?".
        let scalar = Gen.int(in: 0x20...0x1FAFF).map { UnicodeScalar(UInt32($0)) ?? "?" }
        await propertyCheck(count: 200, input: scalar.array(of: 0...2_000), Gen.int(in: 0...3)) { scalars, zoneIndex in
            let zoneID = ParserPropertyTests.zones[zoneIndex]
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let zone = TimeZone(identifier: zoneID)!
            let context = ParseContext(now: Date(timeIntervalSince1970: 1_795_000_000), zone: zone)
            let first = CommandParser().parse(text, context: context)
            #expect(CommandParser().parse(text, context: context) == first)
        }
    }

    @Test("random command-shaped texts never crash and keep titles' bytes")
    func commandShaped() async {
        let words = ["add", "remind", "me", "to", "every", "day", "at", "9", "9am", "tomorrow", "by", "friday", "in",
                     "2", "hours", "the", "5th", "until", "dec", "31", "for", "3", "times", "snooze", "move", "#2",
                     "🎂", "café", "買", "!high", "p1", "noon", "12/3", "2026-02-30", "next", "week", "quiet", "-", "tz"]
        await propertyCheck(count: 500, input: Gen.int(in: 0...(words.count - 1)).array(of: 1...12)) { indices in
            let text = indices.map { words[$0] }.joined(separator: " ")
            let zone = TimeZone(identifier: "America/New_York")!
            let command = CommandParser().parse(text, context: ParseContext(now: Date(timeIntervalSince1970: 1_795_000_000), zone: zone))
            if case .add(let request) = command {
                // The title is made of the text's own words, in order, byte for byte.
                var remaining = text.split(separator: " ").map { Array($0.utf8) }[...]
                for word in request.title.split(separator: " ").map({ Array($0.utf8) }) {
                    guard let found = remaining.firstIndex(of: word) else {
                        Issue.record("title word \(String(decoding: word, as: UTF8.self)) not in \(text)")
                        return
                    }
                    remaining = remaining[(found + 1)...]
                }
            }
        }
    }
}
