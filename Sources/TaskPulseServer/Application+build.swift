import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage
import TaskPulseTiming

/// The edges the application is built from (STYLE.md §3): real ones in `serve`, fakes in tests.
public struct Dependencies: Sendable {
    public var store: any TaskStore
    public var sms: any SMSTransport
    /// The email edge; `nil` when the server cannot send email.
    public var mail: (any MailTransport)?
    /// The dev-mode mailbox the simulator shows (when `mail` is it).
    public var devMail: DevMailOutbox?
    /// The texts the dev-mode SMS transport sent (when `sms` is it), for the simulator.
    public var devTexts: DevTextLog? { (sms as? DevOutboxSMSTransport)?.sent }
    public var clock: any WallClock
    public var logger: Logger
    /// Evening motivation lines, loaded and checked at start.
    public var motivation: MotivationCatalog
    /// The SMS templates from `prompts/sms/`, loaded and checked at start.
    public var templates: MessageTemplates

    public init(
        store: any TaskStore, sms: any SMSTransport, mail: (any MailTransport)? = nil, devMail: DevMailOutbox? = nil,
        clock: any WallClock, logger: Logger, motivation: MotivationCatalog = MotivationCatalog(lines: []),
        templates: MessageTemplates = .empty
    ) {
        self.store = store
        self.sms = sms
        self.devMail = devMail
        self.mail = mail ?? devMail
        self.clock = clock
        self.logger = logger
        self.motivation = motivation
        self.templates = templates
    }

    /// The production edges for `configuration`: SQLite at its path, Twilio or the dev outbox, system time.
    public static func live(_ configuration: TaskPulseConfiguration, logger: Logger) async throws -> Dependencies {
        let store = try SQLTaskStore.open(configuration.database, calculator: OccurrenceCalculator(), logger: logger)
        let sms: any SMSTransport
        if let twilio = configuration.twilio {
            let sender: TwilioSender =
                if let service = twilio.messagingServiceSID { .messagingService(service) } else {
                    .number(twilio.fromNumber ?? "")
                }
            sms = TwilioSMSTransport(
                accountSID: twilio.accountSID, authToken: twilio.authToken, sender: sender,
                apiBase: configuration.twilioAPIBase,
                statusCallbackURL: configuration.publicURL.map { $0 + "/twilio/status" }, logger: logger)
        } else {
            sms = DevOutboxSMSTransport()
        }
        var mail: (any MailTransport)?
        var devMail: DevMailOutbox?
        switch configuration.mailMode {
        case .smtp(let settings): mail = try SMTPMailTransport(settings: settings, logger: logger)
        case .devOutbox: devMail = DevMailOutbox()
        case .none: mail = nil
        }
        let motivation = try MotivationCatalog.load(
            directory: configuration.promptsDirectory, programName: configuration.programName)
        let templates = try await MessageTemplates.load(
            directory: (configuration.promptsDirectory as NSString).appendingPathComponent(""))
        return Dependencies(
            store: store, sms: sms, mail: mail, devMail: devMail, clock: SystemWallClock(), logger: logger,
            motivation: motivation, templates: templates)
    }
}

/// The pieces `buildApplication` wires, exposed so tests can drive the dispatcher directly.
public struct TaskPulseParts: Sendable {
    public var handler: InboundMessageHandler
    public var dispatcher: Dispatcher
    public var wakeup: DispatchWakeup
}

/// Builds the wiring: handler, dispatcher and router.
public func buildParts(_ configuration: TaskPulseConfiguration, _ dependencies: Dependencies) -> TaskPulseParts {
    let wakeup = DispatchWakeup()
    let handler = InboundMessageHandler(
        store: dependencies.store, clock: dependencies.clock, wakeup: wakeup,
        defaultTimeZone: configuration.defaultTimeZone, programName: configuration.programName,
        helpContact: configuration.helpContact, mailAvailable: dependencies.mail != nil)
    var settings = Dispatcher.Settings()
    settings.publicURL = configuration.linkBaseURL
    settings.programName = configuration.programName
    settings.leaseDuration = configuration.dispatchLease
    settings.motivation = dependencies.motivation
    settings.templates = dependencies.templates
    let dispatcher = Dispatcher(
        store: dependencies.store, transport: dependencies.sms, mail: dependencies.mail, clock: dependencies.clock,
        wakeup: wakeup,
        settings: settings, logger: dependencies.logger)
    return TaskPulseParts(handler: handler, dispatcher: dispatcher, wakeup: wakeup)
}

/// Builds the router: webhooks, health, the API, the web pages and (in dev mode) the simulator.
/// - Throws: when the web page templates shipped with the module are missing or broken.
public func buildRouter(
    _ configuration: TaskPulseConfiguration, _ dependencies: Dependencies, parts: TaskPulseParts
) throws -> Router<TaskPulseRequestContext> {
    let router = Router(context: TaskPulseRequestContext.self)
    router.add(middleware: ServerTimingMiddleware())
    router.get("/healthz") { _, _ in "ok\n" }
    // Load balancers often probe with HEAD.
    router.head("/healthz") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"]) }
    router.get("/readyz") { _, context -> Response in
        do {
            try await dependencies.store.ping()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            return APIError.response(
                status: .serviceUnavailable, code: "store_unavailable", message: "database not reachable", field: nil)
        }
    }
    router.get("/") { _, _ -> Response in Response(status: .seeOther, headers: [.location: "/tasks"]) }
    TwilioWebhookController(
        handler: parts.handler, store: dependencies.store, clock: dependencies.clock,
        signature: TwilioSignature(authToken: configuration.webhookAuthToken),
        publicURL: configuration.publicURL
    ).addRoutes(to: router)
    let service = SelfService(
        store: dependencies.store, clock: dependencies.clock, wakeup: DispatchWakeupSignal { parts.wakeup.signal() },
        defaultTimeZone: configuration.defaultTimeZone, limits: AttemptLimits(), publicURL: configuration.linkBaseURL)
    let tokens = AuthTokens(secret: configuration.jwtSecret, store: dependencies.store, clock: dependencies.clock)
    let clientAddress = ClientAddress(trustedProxies: configuration.trustedProxies)
    APIController(service: service, tokens: tokens, clientAddress: clientAddress, programName: configuration.programName)
        .addRoutes(to: router)
    OpenAPIDocument.addRoute(to: router, document: try OpenAPIDocument.load())
    WebController(
        service: service,
        sessions: WebSessions(
            tokens: tokens, secret: configuration.jwtSecret, secureCookies: configuration.secureCookies,
            publicURL: configuration.publicURL),
        pages: try WebPages.load(programName: configuration.programName, isDevMode: configuration.isDevMode),
        clientAddress: clientAddress
    ).addRoutes(to: router)
    EmailLinksController(store: dependencies.store, clock: dependencies.clock, programName: configuration.programName)
        .addRoutes(to: router)
    if configuration.isDevMode {
        SimulatorController(
            handler: parts.handler, store: dependencies.store, page: SimulatorPage.html, devMail: dependencies.devMail,
            devTexts: dependencies.devTexts
        ).addRoutes(to: router)
    }
    return router
}

/// Builds the whole application: HTTP server and dispatcher as services (DESIGN §1, STYLE.md §8).
public func buildApplication(
    _ configuration: TaskPulseConfiguration, _ dependencies: Dependencies,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    try await dependencies.store.migrate()
    let parts = buildParts(configuration, dependencies)
    let router = try buildRouter(configuration, dependencies, parts: parts)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "TaskPulse"),
        services: [parts.dispatcher],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: dependencies.logger)
}

/// The simulator page, shipped as a resource of this module.
enum SimulatorPage {
    static let html: String = {
        guard
            let url = Bundle.module.url(forResource: "simulator", withExtension: "html", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "simulator", withExtension: "html"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "<!doctype html><title>TaskPulse</title><p>Simulator page missing from the build.</p>" }
        return text
    }()
}
