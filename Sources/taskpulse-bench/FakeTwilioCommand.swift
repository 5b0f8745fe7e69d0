import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals
import TaskPulseMessaging

/// A fast local fake of Twilio's Messages API: answers every send with 201 at once and appends one JSON
/// line per request to a log (`ts`, `sid`, `to`, `body`, `status`), like `scripts/lib/fake_twilio.py`,
/// whose thread-per-request server cannot take 10,000 sends a second.
///
/// It runs on the same two cores as the service it measures, so it is plain SwiftNIO handlers on the
/// event loops (no router, no hop to Swift concurrency per request): on Hummingbird it took a fifth of
/// the machine during a reminder burst (docs/BENCHMARKS.md).
struct FakeTwilioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-twilio", abstract: "Run a fast fake Twilio Messages API on 127.0.0.1.")

    @Option(help: "Port to listen on.") var port: Int
    @Option(help: "JSONL file to append each request to.") var log: String

    func run() async throws {
        var logger = Logger(label: "fake-twilio")
        logger.logLevel = .warning
        let journal = try Journal(path: log)
        let sequence = MessageSequence()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        MessagesHandler(journal: journal, sequence: sequence))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let group = ServiceGroup(services: [journal], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        try await server.close()
    }
}

/// Numbers the messages (their SIDs) across connections.
final class MessageSequence: Sendable {
    private let last = Atomic<Int>(0)
    func next() -> Int { last.add(1, ordering: .relaxed).newValue }
}

/// Answers `POST /2010-04-01/Accounts/<sid>/Messages.json` with 201 and the message's SID, and logs it.
final class MessagesHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let journal: Journal
    private let sequence: MessageSequence
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// The body went past 64 KiB (Twilio's own limit is far lower): answered 413, not read further.
    private var tooLarge = false

    init(journal: Journal, sequence: MessageSequence) {
        self.journal = journal
        self.sequence = sequence
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            body.clear()
            tooLarge = false
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes <= 1 << 16 { body.writeBuffer(&chunk) } else { tooLarge = true }
        case .end:
            guard let request = head else { return }
            head = nil
            if tooLarge {
                write(status: .payloadTooLarge, json: #"{"code":21617,"message":"body over 64 KiB"}"#, request, context)
            } else {
                respond(to: request, context: context)
            }
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "/")
        guard request.method == .POST, path.count == 4, path[0] == "2010-04-01", path[1] == "Accounts",
            path[3] == "Messages.json"
        else {
            return write(status: .notFound, json: #"{"code":20404,"message":"not found"}"#, request, context)
        }
        let received = Date().timeIntervalSince1970
        let fields = FormEncoding.decode(String(buffer: body)) ?? []
        let to = fields.first { $0.0 == "To" }?.1 ?? ""
        let text = fields.first { $0.0 == "Body" }?.1 ?? ""
        let hex = String(sequence.next(), radix: 16)
        let sid = "SM" + String(repeating: "0", count: max(0, 32 - hex.utf8.count)) + hex
        // Written by hand: two JSONEncoders per request cost the fake more CPU than a send costs the
        // service it stands in for.
        journal.append(
            #"{"ts":\#(received),"sid":"\#(sid)","to":\#(JSONText.quoted(to)),"body":\#(JSONText.quoted(text)),"status":201}"#
                + "\n")
        write(status: .created, json: #"{"sid":"\#(sid)","status":"queued","to":\#(JSONText.quoted(to))}"#, request, context)
    }

    private func write(
        status: HTTPResponseStatus, json: String, _ request: HTTPRequestHead, _ context: ChannelHandlerContext
    ) {
        let answer = context.channel.allocator.buffer(string: json)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: "\(answer.readableBytes)")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
    }
}

/// Appends lines to a file, flushed every 20 ms and at shutdown, so a burst costs no write per request.
final class Journal: Service, Sendable {
    private let pending = Mutex<[UInt8]>([])
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
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
