import Foundation

import TaskPulseMessaging
import TaskPulseTestSupport

/// Builds the fuzzer's requests: mostly signed texts with strange bodies (so the parser, the
/// planner and the store see them), and around them broken forms, raw byte mutations, oversized
/// bodies, status callbacks and bad signatures.
struct FuzzRequestGenerator {
    var random: SplitMix64
    let seeds: [FuzzRequest]
    private var counter = 0

    init(random: SplitMix64, seeds: [FuzzRequest]) {
        self.random = random
        self.seeds = seeds
    }

    /// A handful of senders, so tasks pile up and numbers, undo and lists mean something.
    static let phones = ["+15555550100", "+15555550101", "+447700900123", "+819012345678", "+15555550102"]
    static let words = [
        "add", "remind", "me", "to", "every", "weekday", "day", "at", "9", "9am", "7:30pm", "tomorrow", "by", "friday",
        "in", "30m", "2", "hours", "the", "5th", "until", "dec", "31", "for", "3", "times", "snooze", "move", "done",
        "delete", "undo", "list", "all", "quiet", "22-7", "off", "tz", "Asia/Tokyo", "email", "link", "+15555550199",
        "yes", "no", "block", "unlink", "assign", "tell", "students", "progress", "help", "stop", "start", "#2",
        "1,2", "3-5", "!high", "p1", "noon", "midnight", "12/3", "2026-02-30", "next", "week", "monday", "🎂", "café",
        "買", "٣/٤", "２０２６-１２-０３", "99999999999999999999", "-1", "0", "24:00", "🏳️‍🌈", "e\u{301}", "\u{200B}",
    ]

    mutating func next() -> FuzzRequest {
        counter += 1
        switch int(100) {
        case 0..<45: return signedText(body: textBody())
        case 45..<60: return brokenForm()
        case 60..<75: return rawMutation()
        case 75..<80: return oversized()
        case 80..<90: return statusCallback()
        default: return badEnvelope()
        }
    }

    // MARK: Bodies

    mutating func textBody() -> String {
        switch int(6) {
        case 0, 1: return (0..<(1 + int(10))).map { _ in pick(Self.words) }.joined(separator: " ")
        case 2: return randomUnicode(length: int(200))
        case 3: return controlSoup(length: int(60))
        case 4:
            // A seed's body, mutated by a few word swaps.
            let base = seeds.compactMap { Dictionary($0.fields, uniquingKeysWith: { a, _ in a })["Body"] }
            guard !base.isEmpty else { return pick(Self.words) }
            var parts = pick(base).split(separator: " ").map(String.init)
            for _ in 0..<(1 + int(3)) where !parts.isEmpty { parts[int(parts.count)] = pick(Self.words) }
            return parts.joined(separator: " ")
        default:
            // Long: Twilio concatenates up to 1,600 characters; other clients may send more.
            return String(repeating: pick(Self.words) + " ", count: 1 + int(800))
        }
    }

    mutating func randomUnicode(length: Int) -> String {
        var text = ""
        for _ in 0..<length {
            let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x2FF, 0x300...0x36F, 0x600...0x6FF, 0x3040...0x30FF,
                                                 0x4E00...0x4FFF, 0xFF00...0xFFEF, 0x1F300...0x1FAFF, 0xE000...0xE0FF]
            let range = pick(ranges)
            let value = range.lowerBound + UInt32(int(Int(range.upperBound - range.lowerBound) + 1))
            if let scalar = UnicodeScalar(value) { text.unicodeScalars.append(scalar) }
        }
        return text
    }

    /// NUL, other C0 controls, line and paragraph separators, BOMs, bidi overrides and plain words.
    mutating func controlSoup(length: Int) -> String {
        let pieces = ["\u{0}", "\u{1}", "\t", "\r\n", "\n", "\u{7F}", "\u{85}", "\u{2028}", "\u{FEFF}", "\u{202E}",
                      "%", "+", "&", "=", "\"", "'", ";", "<", ">", "\\", "add", "done 1", " "]
        return (0..<length).map { _ in pick(pieces) }.joined()
    }

    // MARK: Requests

    mutating func sid() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &random) }
        return "SM" + bytes.map { String($0, radix: 16).leftPadded() }.joined()
    }

    mutating func signedText(body: String) -> FuzzRequest {
        FuzzRequest(fields: Harness.fields(from: pick(Self.phones), body: body, sid: sid()))
    }

    /// Required fields missing, repeated, empty or odd; unknown fields; odd phone numbers and sids.
    mutating func brokenForm() -> FuzzRequest {
        var fields = Harness.fields(from: pick(Self.phones), body: textBody(), sid: sid())
        for _ in 0..<(1 + int(3)) {
            switch int(7) {
            case 0: if !fields.isEmpty { fields.remove(at: int(fields.count)) }
            case 1: if !fields.isEmpty { fields.insert(pick(fields), at: int(fields.count + 1)) }
            case 2: fields.append((randomUnicode(length: int(20)), randomUnicode(length: int(40))))
            case 3:
                let from = ["", "5555550100", "+", "+0123456789", "+1555555010012345678", "+١٥٥٥٥٥٥٠١٠٠", "+1 555 555 0100",
                            "client:alice", "whatsapp:+15555550100", controlSoup(length: 5)]
                fields = fields.map { $0.0 == "From" ? ($0.0, pick(from)) : $0 }
            case 4:
                let sids = ["", " ", String(repeating: "S", count: 65), String(repeating: "é", count: 64), "\u{0}", "SM'; DROP TABLE"]
                fields = fields.map { $0.0 == "MessageSid" ? ($0.0, pick(sids)) : $0 }
            case 5: fields = fields.map { $0.0 == "OptOutType" || int(8) == 0 ? ($0.0, controlSoup(length: 4)) : $0 }
            default: fields.append(("OptOutType", pick(["STOP", "START", "HELP", "", "stop", "UNKNOWN"])))
            }
        }
        return FuzzRequest(fields: fields)
    }

    /// The encoded form with bytes flipped, escapes broken, separators doubled, invalid UTF-8 and NUL inserted.
    mutating func rawMutation() -> FuzzRequest {
        var bytes = Array(FormEncoding.encode(Harness.fields(from: pick(Self.phones), body: textBody(), sid: sid())).utf8)
        let inserts: [[UInt8]] = [Array("%".utf8), Array("%G1".utf8), Array("%F".utf8), Array("%FF%FE".utf8),
                                  Array("%C3%28".utf8), Array("&&".utf8), Array("==".utf8), Array("%00".utf8),
                                  [0xFF], [0xC3], [0x00], [0xED, 0xA0, 0x80], Array("+".utf8), Array("&Body=".utf8)]
        for _ in 0..<(1 + int(4)) {
            switch int(4) {
            case 0: if !bytes.isEmpty { bytes[int(bytes.count)] = UInt8.random(in: 0...255, using: &random) }
            case 1: bytes.insert(contentsOf: pick(inserts), at: int(bytes.count + 1))
            case 2: if !bytes.isEmpty { bytes.removeSubrange(int(bytes.count)...) }
            default: bytes.insert(contentsOf: Array("%".utf8) + [pick(Array("0123456789ABCDEFabcdefXZ%".utf8))], at: int(bytes.count + 1))
            }
        }
        return FuzzRequest(rawBody: bytes, signature: int(4) == 0 ? .missing : .valid)
    }

    /// Bodies around and over the 64 KiB limit, with the Body field holding most of it.
    mutating func oversized() -> FuzzRequest {
        let size = pick([16_000, 60_000, 65_536, 70_000, 300_000])
        var request = signedText(body: String(repeating: "a", count: size))
        if int(2) == 0 { request.rawBody = Array(repeating: UInt8(ascii: "x"), count: size) }
        return request
    }

    mutating func statusCallback() -> FuzzRequest {
        let statuses = ["queued", "sent", "delivered", "undelivered", "failed", "read", "accepted", "", "DELIVERED", randomUnicode(length: 5)]
        let codes = ["", "\u{0}30003", "30003", "30006", "21610", "21211", "30007", "-1", "99999999999999999999", "abc"]
        var fields = [("MessageSid", int(3) == 0 ? pick(["", "\u{0}", "SM\u{0}1"]) : sid()), ("MessageStatus", pick(statuses)), ("AccountSid", "ACtest")]
        if int(2) == 0 { fields.append(("ErrorCode", pick(codes))) }
        if int(4) == 0 { fields.removeFirst() }
        return FuzzRequest(path: "/twilio/status", fields: fields)
    }

    /// Wrong or missing signatures and content types other than a form.
    mutating func badEnvelope() -> FuzzRequest {
        var request = signedText(body: textBody())
        switch int(4) {
        case 0: request.signature = .wrong
        case 1: request.signature = .missing
        case 2: request.contentType = pick(["application/json", "text/plain", "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded; charset=latin1"])
        default:
            request.signature = .wrong
            request.rawBody = Array(randomUnicode(length: int(300)).utf8)
        }
        return request
    }

    // MARK: Randomness

    mutating func int(_ upperBound: Int) -> Int { upperBound <= 1 ? 0 : Int.random(in: 0..<upperBound, using: &random) }

    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
}

extension String {
    fileprivate func leftPadded() -> String { count < 2 ? "0" + self : self }
}
