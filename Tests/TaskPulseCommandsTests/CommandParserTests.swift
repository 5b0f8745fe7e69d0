import Foundation
import TaskPulseTiming
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
