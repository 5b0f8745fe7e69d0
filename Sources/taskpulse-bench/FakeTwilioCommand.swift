import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import TaskPulseMessaging

/// A fast local fake of Twilio's Messages API: answers every send with 201 at once and appends one JSON
/// line per request to a log (`ts`, `sid`, `to`, `body`, `status`), like `scripts/lib/fake_twilio.py`,
/// whose thread-per-request server cannot take 10,000 sends a second.
struct FakeTwilioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-twilio", abstract: "Run a fast fake Twilio Messages API on 127.0.0.1.")

    @Option(help: "Port to listen on.") var port: Int
    @Option(help: "JSONL file to append each request to.") var log: String

    func run() async throws {
        var logger = Logger(label: "fake-twilio")
        logger.logLevel = .warning
        let journal = try Journal(path: log)
        let sequence = Atomic<Int>(0)
        let router = Router()
        router.post("/2010-04-01/Accounts/:account/Messages.json") { request, _ -> Response in
            let received = Date().timeIntervalSince1970
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            let fields = FormEncoding.decode(String(buffer: body)) ?? []
            let to = fields.first { $0.0 == "To" }?.1 ?? ""
            let text = fields.first { $0.0 == "Body" }?.1 ?? ""
            let number = sequence.add(1, ordering: .relaxed).newValue
            let hex = String(number, radix: 16)
            let sid = "SM" + String(repeating: "0", count: max(0, 32 - hex.utf8.count)) + hex
            // Written by hand: two JSONEncoders per request cost the fake more CPU than the service it
            // stands in for, on the same two cores, during a burst.
            journal.append(
                #"{"ts":\#(received),"sid":"\#(sid)","to":\#(JSONText.quoted(to)),"body":\#(JSONText.quoted(text)),"status":201}"#
                    + "\n")
            let answer = #"{"sid":"\#(sid)","status":"queued","to":\#(JSONText.quoted(to))}"#
            return Response(
                status: .created, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let group = ServiceGroup(
            services: [app, journal], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// Appends lines to a file, flushed every 20 ms and at shutdown, so a burst costs no write per request.
final class Journal: Service, Sendable {
    private let pending = Mutex<[UInt8]>([])
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot open \(path) for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func append(_ line: String) {
        pending.withLock { $0.append(contentsOf: line.utf8) }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                self.flush()
            }
        }
        flush()
    }

    private func flush() {
        let bytes = pending.withLock { buffer -> [UInt8] in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if !bytes.isEmpty { handle.write(Data(bytes)) }
    }
}

/// JSON string literals for the fake's hand-written lines.
enum JSONText {
    /// `text` as a JSON string literal, quotes included (RFC 8259 §7).
    static func quoted(_ text: String) -> String {
        var output = "\""
        output.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
