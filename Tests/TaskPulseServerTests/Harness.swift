import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// Wires the real application to a temp SQLite file, a fake clock and a local fake Twilio.
struct Harness {
    static let authToken = "test-auth-token"
    static let publicURL = "https://taskpulse.test"
    /// Monday 2026-11-23 10:15 in New York.
    static let start = ZonedTime.instant(
        LocalDateTime(iso: "2026-11-23T10:15")!, in: TimeZone(identifier: "America/New_York")!)

    let configuration: TaskPulseConfiguration
    let dependencies: Dependencies
    let parts: TaskPulseParts
    let clock: FakeWallClock
    let store: SQLTaskStore
    let application: Application<RouterResponder<TaskPulseRequestContext>>

    init(
        database: TemporaryDatabase, twilio: FakeTwilioServer, clock: FakeWallClock? = nil,
        mail: (any MailTransport)? = nil
    ) async throws {
        configuration = try TaskPulseConfiguration(environment: [
            "TASKPULSE_DATABASE_URL": database.url, "TASKPULSE_PUBLIC_URL": Harness.publicURL,
            "TWILIO_ACCOUNT_SID": "ACtest0000000000000000000000000000", "TWILIO_AUTH_TOKEN": Harness.authToken,
            "TWILIO_FROM_NUMBER": "+15550000000", "TWILIO_API_BASE": twilio.baseURL,
        ])
        self.clock = clock ?? FakeWallClock(now: Harness.start)
        store = try await database.openStore()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let transport = TwilioSMSTransport(
            accountSID: "ACtest0000000000000000000000000000", authToken: Harness.authToken,
            sender: .number("+15550000000"),
            apiBase: twilio.baseURL, timeout: .seconds(5), logger: logger)
        dependencies = Dependencies(
            store: store, sms: transport, mail: mail, clock: self.clock, logger: logger, motivation: try Prompts.motivation(),
            templates: try await Prompts.templates())
        parts = buildParts(configuration, dependencies)
        application = Application(router: try buildRouter(configuration, dependencies, parts: parts), logger: logger)
    }

    /// Runs `body` with a harness on a fresh database and a running fake Twilio.
    static func with(_ body: @Sendable (Harness, FakeTwilioServer) async throws -> Void) async throws {
        try await FakeTwilioServer.with { twilio in
            try await TemporaryDatabase.with { database in
                try await body(try await Harness(database: database, twilio: twilio), twilio)
            }
        }
    }

    /// Runs `body` with a harness whose email goes to `mail`.
    static func with(
        mail: any MailTransport, _ body: @Sendable (Harness, FakeTwilioServer) async throws -> Void
    ) async throws {
        try await FakeTwilioServer.with { twilio in
            try await TemporaryDatabase.with { database in
                try await body(try await Harness(database: database, twilio: twilio, mail: mail), twilio)
            }
        }
    }

    /// A form body and its Twilio signature for the webhook URL.
    static func signedForm(
        _ fields: [(String, String)], token: String = authToken, path: String = "/twilio/sms"
    ) -> (body: String, signature: String) {
        let signature = TwilioSignature(authToken: token).compute(url: publicURL + path, fields: fields)
        return (FormEncoding.encode(fields), signature)
    }

    static func fields(from: String, body: String, sid: String) -> [(String, String)] {
        [
            ("MessageSid", sid), ("SmsSid", sid), ("AccountSid", "ACtest0000000000000000000000000000"), ("From", from),
            ("To", "+15550000000"), ("Body", body), ("NumMedia", "0"), ("ApiVersion", "2010-04-01"),
        ]
    }
}

extension TestClientProtocol {
    /// Posts a form to the webhook with the given signature header (none when `nil`).
    func postWebhook(form: String, signature: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let signature { headers[.init("X-Twilio-Signature")!] = signature }
        return try await execute(uri: "/twilio/sms", method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    /// Posts fields signed as Twilio would.
    func postSigned(_ fields: [(String, String)]) async throws -> TestResponse {
        let (form, signature) = Harness.signedForm(fields)
        return try await postWebhook(form: form, signature: signature)
    }

    /// Posts a text as Twilio would (signed form).
    func text(
        _ body: String, from: String = "+15555550100",
        sid: String = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    ) async throws -> TestResponse {
        try await postSigned(Harness.fields(from: from, body: body, sid: sid))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
