import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

import TaskPulseMessaging
import TaskPulseServer
import TaskPulseTestSupport

/// Random webhook requests through the real application on a real database (issue 9): form fields,
/// sizes, encodings and texts no one would write. Never a 5xx, never a crash; a signed, well-formed
/// text always gets its TwiML answer. `TASKPULSE_FUZZ_CASES` and `TASKPULSE_FUZZ_SEED` run it longer
/// or from another seed; a failure prints the case so it can join `Fixtures/webhook-fuzz-seeds.jsonl`.
@Suite("Webhook fuzzing")
struct WebhookFuzzTests {
    @Test("every input in the seed corpus (inputs that once failed) is answered without a 5xx")
    func seedCorpus() async throws {
        let seeds = try FuzzSeed.load()
        #expect(seeds.count >= 10)
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                for seed in seeds {
                    let response = try await seed.request.send(with: client)
                    #expect(response.status.code < 500, "seed \(seed.note): \(response.status)")
                    if seed.request.isWellFormedText {
                        #expect(response.status == .ok, "seed \(seed.note): \(response.status) \(response.text)")
                    }
                }
                let after = try await client.text("list")
                #expect(after.status == .ok)
            }
        }
    }

    @Test("random forms, field values, sizes and encodings: never a 5xx; signed texts always answered")
    func randomRequests() async throws {
        let environment = ProcessInfo.processInfo.environment
        let cases = environment["TASKPULSE_FUZZ_CASES"].flatMap(Int.init) ?? 400
        let seed = environment["TASKPULSE_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x7A5C_9015
        let seeds = try FuzzSeed.load()
        var generator = FuzzRequestGenerator(random: SplitMix64(seed: seed), seeds: seeds.map(\.request))
        let requests = (0..<cases).map { _ in generator.next() }
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                var answered = 0
                for (index, request) in requests.enumerated() {
                    let response = try await request.send(with: client)
                    let failed =
                        response.status.code >= 500 || (request.isWellFormedText && response.status != .ok)
                    if failed {
                        Issue.record(
                            "case \(index) (seed \(seed)) got \(response.status): \(request.jsonLine.prefix(4_000)) -> \(response.text.prefix(300))")
                    }
                    if response.status == .ok { answered += 1 }
                }
                // The generator is not all noise: most signed texts reach the parser and the store.
                #expect(answered > cases / 3)
                let after = try await client.text("list")
                #expect(after.status == .ok)
            }
        }
    }
}

/// One webhook request as the fuzzer builds it: fields to encode and sign, or a raw body.
struct FuzzRequest: Sendable {
    enum Signature: String, Sendable { case valid, wrong, missing }

    var path = "/twilio/sms"
    var fields: [(String, String)] = []
    /// Sent as is instead of the encoded fields; signed over its decoding when that works.
    var rawBody: [UInt8]?
    var signature: Signature = .valid
    var contentType = "application/x-www-form-urlencoded"

    /// A signed text Twilio could send: the three required fields, a SID of 1-64 ASCII letters, digits, - and _,
    /// a valid phone, within the 64 KiB body limit.
    var isWellFormedText: Bool {
        guard path == "/twilio/sms", rawBody == nil, signature == .valid, contentType == "application/x-www-form-urlencoded"
        else { return false }
        let values = Dictionary(fields, uniquingKeysWith: { first, _ in first })
        guard let sid = values["MessageSid"], let from = values["From"], values["Body"] != nil else { return false }
        guard bodyBytes.count <= 64 * 1024 else { return false }  // the webhook's body limit: larger is a 413
        return sid.wholeMatch(of: /[A-Za-z0-9_-]{1,64}/) != nil && from.wholeMatch(of: /\+[1-9][0-9]{7,14}/) != nil
    }

    var bodyBytes: [UInt8] { rawBody ?? Array(FormEncoding.encode(fields).utf8) }

    func send(with client: some TestClientProtocol) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        let signed = FormEncoding.decode(String(decoding: bodyBytes, as: UTF8.self)) ?? fields
        switch signature {
        case .valid:
            headers[.init("X-Twilio-Signature")!] = TwilioSignature(authToken: Harness.authToken)
                .compute(url: Harness.publicURL + path, fields: signed)
        case .wrong:
            headers[.init("X-Twilio-Signature")!] = TwilioSignature(authToken: "not-the-token")
                .compute(url: Harness.publicURL + path, fields: signed)
        case .missing: break
        }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: bodyBytes))
    }

    /// The case as one line of the seed corpus.
    var jsonLine: String {
        var object: [String: Any] = ["path": path, "signature": signature.rawValue]
        if let rawBody {
            object["raw_base64"] = Data(rawBody).base64EncodedString()
        } else {
            object["fields"] = fields.map { [$0.0, $0.1] }
        }
        if contentType != "application/x-www-form-urlencoded" { object["content_type"] = contentType }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// An entry of `Fixtures/webhook-fuzz-seeds.jsonl`: a request that once failed, and why it is kept.
struct FuzzSeed: Sendable {
    var note: String
    var request: FuzzRequest

    static func load() throws -> [FuzzSeed] {
        let url = try #require(Bundle.module.url(forResource: "webhook-fuzz-seeds", withExtension: "jsonl", subdirectory: "Fixtures"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        return try lines.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            var request = FuzzRequest()
            request.path = object["path"] as? String ?? request.path
            request.signature = (object["signature"] as? String).flatMap(FuzzRequest.Signature.init) ?? .valid
            request.contentType = object["content_type"] as? String ?? request.contentType
            if let raw = object["raw_base64"] as? String {
                request.rawBody = Array(try #require(Data(base64Encoded: raw)))
            } else if let body = object["body"] as? String {
                request.fields = Harness.fields(from: object["from"] as? String ?? "+15555550100", body: body, sid: "SMseed\(UUID().uuidString.prefix(8))")
            } else {
                let pairs = try #require(object["fields"] as? [[String]])
                request.fields = pairs.map { ($0[0], $0.count > 1 ? $0[1] : "") }
            }
            return FuzzSeed(note: object["note"] as? String ?? String(line.prefix(60)), request: request)
        }
    }
}
