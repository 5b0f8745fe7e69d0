import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import NIOTLS

/// Sends email over SMTP with STARTTLS or implicit TLS and AUTH PLAIN (issue 5), one connection per
/// message. The protocol decisions are in ``SMTPConversation``; this type only connects and moves lines.
public struct SMTPMailTransport: MailTransport {
    public let settings: SMTPSettings
    let timeout: TimeAmount
    let logger: Logger
    let tlsContext: NIOSSLContext

    /// - Throws: when the TLS configuration (an extra CA file) cannot be loaded.
    public init(settings: SMTPSettings, timeout: TimeAmount = .seconds(30), logger: Logger) throws {
        self.settings = settings
        self.timeout = timeout
        self.logger = logger
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            configuration.trustRoots = .file(caFile)
        }
        self.tlsContext = try NIOSSLContext(configuration: configuration)
    }

    public func send(_ mail: OutboundMail) async -> SendOutcome {
        let messageID = UUID().uuidString.lowercased() + "@" + (settings.from.split(separator: "@").last.map(String.init) ?? "taskpulse")
        let message = MailComposer.compose(mail, from: settings.from, messageID: messageID, date: Date())
        let conversation = SMTPConversation(settings: settings, recipient: mail.to, message: message)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: SendOutcome.self)
        let settings = self.settings
        let tlsContext = self.tlsContext
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: SMTPMailTransport.sniName(settings.host)))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        SMTPClientHandler(
                            conversation: conversation, promise: promise, tlsContext: tlsContext, host: settings.host,
                            messageID: messageID))
                }
            }
        let timeout = self.timeout
        let deadline = eventLoop.scheduleTask(in: timeout) {
            promise.succeed(.transient(errorCode: nil, message: "SMTP timed out after \(timeout)", retryAfterSeconds: nil))
        }
        do {
            let channel = try await bootstrap.connect(host: settings.host, port: settings.port).get()
            let outcome = try await promise.futureResult.get()
            deadline.cancel()
            try? await channel.close().get()
            if case .accepted = outcome {} else {
                logger.notice("email not sent", metadata: ["smtp.outcome": "\(outcome)", "smtp.host": "\(settings.host)"])
            }
            return outcome
        } catch {
            deadline.cancel()
            promise.succeed(.transient(errorCode: nil, message: "cannot reach the mail server: \(error)", retryAfterSeconds: nil))
            logger.notice("mail server unreachable", metadata: ["error": "\(error)", "smtp.host": "\(settings.host)"])
            return .transient(errorCode: nil, message: "cannot reach the mail server: \(error)", retryAfterSeconds: nil)
        }
    }

    /// SNI must be a host name, never an IP address literal.
    static func sniName(_ host: String) -> String? {
        host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? nil : host
    }
}

/// Moves SMTP lines between the socket and ``SMTPConversation``; confined to its event loop.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var conversation: SMTPConversation
    private let promise: EventLoopPromise<SendOutcome>
    private let tlsContext: NIOSSLContext
    private let host: String
    private let messageID: String
    private var replyLines: [String] = []
    private var awaitingHandshake = false

    init(
        conversation: SMTPConversation, promise: EventLoopPromise<SendOutcome>, tlsContext: NIOSSLContext, host: String,
        messageID: String
    ) {
        self.conversation = conversation
        self.promise = promise
        self.tlsContext = tlsContext
        self.host = host
        self.messageID = messageID
    }

    private func readLine(context: ChannelHandlerContext, data: NIOAny) {
        let line = String(buffer: unwrapInboundIn(data))
        guard line.count >= 3, let code = Int(line.prefix(3)) else {
            finish(.transient(errorCode: nil, message: "unreadable SMTP reply: \(line.prefix(80))", retryAfterSeconds: nil), context)
            return
        }
        replyLines.append(String(line.dropFirst(4)))
        // "250-..." continues a reply; "250 ..." (or a bare code) ends it.
        if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { return }
        let lines = replyLines
        replyLines = []
        perform(conversation.receive(code: code, lines: lines), context)
    }

    private func perform(_ actions: [SMTPConversation.Action], _ context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let line):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: line + "\r\n")), promise: nil)
            case .upgradeToTLS:
                do {
                    let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: SMTPMailTransport.sniName(host))
                    try context.pipeline.syncOperations.addHandler(handler, position: .first)
                    // EHLO goes out once the handshake has completed (userInboundEventTriggered).
                    awaitingHandshake = true
                } catch {
                    finish(.transient(errorCode: nil, message: "STARTTLS failed: \(error)", retryAfterSeconds: nil), context)
                }
            case .accepted:
                finish(.accepted(providerMessageID: messageID), context)
            case .failed(let code, let message, let transient):
                let codeText = code.map { "smtp-\($0)" }
                finish(
                    transient
                        ? .transient(errorCode: codeText, message: message, retryAfterSeconds: nil)
                        : .permanent(errorCode: codeText, message: message),
                    context)
            }
        }
    }

    private func finish(_ outcome: SendOutcome, _ context: ChannelHandlerContext) {
        promise.succeed(outcome)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if awaitingHandshake, let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            awaitingHandshake = false
            perform(conversation.tlsEstablished(), context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Bytes that arrive before the TLS handshake completes after STARTTLS were not protected: refuse
        // them (reply injection, CVE-2011-0411).
        if awaitingHandshake {
            finish(.transient(errorCode: nil, message: "plaintext data after STARTTLS", retryAfterSeconds: nil), context)
            return
        }
        readLine(context: context, data: data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.transient(errorCode: nil, message: "SMTP connection error: \(error)", retryAfterSeconds: nil), context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(.transient(errorCode: nil, message: "the mail server closed the connection", retryAfterSeconds: nil))
        context.fireChannelInactive()
    }
}
