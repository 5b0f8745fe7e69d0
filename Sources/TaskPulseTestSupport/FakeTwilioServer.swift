import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TaskPulseMessaging

/// A local fake of Twilio's Messages API (twilio.md §4) on a free port, recording what it receives
/// and answering with scripted responses (429, 500, error codes) before its default 201.
public final class FakeTwilioServer: Sendable {
    /// One message the fake received.
    public struct ReceivedMessage: Sendable, Equatable {
        public var accountSID: String
        public var to: String
        public var from: String?
        public var messagingServiceSID: String?
        public var body: String
        public var authorization: String?
    }

    /// A scripted answer.
    public struct ScriptedResponse: Sendable {
        public var status: Int
        public var code: Int?
        public var retryAfter: String?
        /// Only messages whose body contains this get the scripted answer (others pass).
        public var bodyContaining: String?

        public init(status: Int, code: Int? = nil, retryAfter: String? = nil, bodyContaining: String? = nil) {
            self.status = status
            self.code = code
            self.retryAfter = retryAfter
            self.bodyContaining = bodyContaining
        }
    }

    private struct State {
        var received: [ReceivedMessage] = []
        var attempts = 0
        var script: [ScriptedResponse] = []
    }

    private let state = Mutex(State())
    /// The base URL to give as `TWILIO_API_BASE`.
    public let baseURL: String

    init(port: Int) {
        self.baseURL = "http://127.0.0.1:\(port)"
    }

    /// Messages accepted (201) so far, in arrival order.
    public var received: [ReceivedMessage] { state.withLock { $0.received } }
    /// Every request, accepted or not.
    public var attempts: Int { state.withLock { $0.attempts } }

    /// Queues answers for the next requests; afterwards the fake answers 201.
    public func script(_ responses: [ScriptedResponse]) { state.withLock { $0.script.append(contentsOf: responses) } }

    /// Waits until `count` messages were accepted; `false` after `timeout` (real time).
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let start = ContinuousClock.now
        while received.count < count {
            if ContinuousClock.now - start > timeout { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    func handle(_ request: Request, accountSID: String) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let fields = Dictionary(
            FormEncoding.decode(String(buffer: buffer)) ?? [], uniquingKeysWith: { first, _ in first })
        let body = fields["Body"] ?? ""
        let scripted = state.withLock { state -> ScriptedResponse? in
            state.attempts += 1
            guard let next = state.script.first else { return nil }
            if let needle = next.bodyContaining, !body.contains(needle) { return nil }
            return state.script.removeFirst()
        }
        if let scripted {
            let body =
                "{\"code\":\(scripted.code ?? scripted.status),\"message\":\"scripted failure\",\"status\":\(scripted.status)}"
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter = scripted.retryAfter { headers[.retryAfter] = retryAfter }
            return Response(
                status: .init(code: scripted.status), headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let message = ReceivedMessage(
            accountSID: accountSID, to: fields["To"] ?? "", from: fields["From"],
            messagingServiceSID: fields["MessagingServiceSid"], body: fields["Body"] ?? "",
            authorization: request.headers[.authorization])
        let sid = state.withLock { state -> String in
            state.received.append(message)
            return "SMfake\(state.received.count)"
        }
        let json = "{\"sid\":\"\(sid)\",\"status\":\"queued\",\"to\":\"\(message.to)\"}"
        return Response(
            status: .created, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// Runs a fake Twilio for the duration of `body`.
    public static func with<T: Sendable>(_ body: @Sendable (FakeTwilioServer) async throws -> T) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let box = Mutex<FakeTwilioServer?>(nil)
        let router = Router(context: BasicRequestContext.self)
        router.post("/2010-04-01/Accounts/:sid/Messages.json") { request, context in
            guard let server = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await server.handle(request, accountSID: context.parameters.get("sid") ?? "")
        }
        var logger = Logger(label: "fake-twilio")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // If the server cannot start, end the port stream so the caller fails instead of waiting.
                defer { portContinuation.finish() }
                try await serviceGroup.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let server = FakeTwilioServer(port: port)
            box.withLock { $0 = server }
            do {
                let result = try await body(server)
                await serviceGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}
