import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport

/// A store that cannot take writes (locked, read-only, disk full), as SQLite reports them.
struct UnavailableStore: TaskStore {
    let error = StoreError.unavailable("SQLITE_READONLY: attempt to write a readonly database")
    func migrate() async throws {}
    func ping() async throws { throw error }
    func ensureUser(phone: Phone, timeZoneID: String, now: Date) async throws -> User { throw error }
    func user(phone: Phone) async throws -> User? { throw error }
    func inboundSender(messageSid: String, phone: Phone) async throws -> InboundSender { throw error }
    func handleInbound(
        _ message: InboundMessage, userID: UserID, change: TaskChange, now: Date,
        renderReply: @escaping @Sendable (ChangeOutcome, Bool) -> String
    ) async throws -> InboundResult { throw error }
    func claimDue(now: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimReference] { throw error }
    func renewClaim(ofDelivery deliveryID: DeliveryID, attempt: Int, leaseUntil: Date) async throws
        -> ClaimedDelivery?
    { throw error }
    func currentClaims(_ references: [ClaimReference]) async throws -> [ClaimedDelivery?] { throw error }
    func recordDeliveryResult(
        _ result: DeliveryResult, deliveryID: DeliveryID, now: Date, emailCopy: PreparedEmail?, claimedAttempt: Int?
    ) async throws -> Bool { throw error }
    func scheduleMissingDigests(now: Date) async throws -> Int { throw error }
    func pendingEmailVerification(token: String, now: Date) async throws -> PendingEmailVerification? { throw error }
    func confirmEmail(token: String, now: Date) async throws -> EmailConfirmation { throw error }
    func unsubscribeEmail(token: String, now: Date) async throws -> String? { throw error }
    func emailAddresses(userID: UserID) async throws -> [String] { throw error }
    func register(email: String, passwordHash: String, timeZoneID: String, now: Date) async throws -> User { throw error }
    func account(email: String) async throws -> Account? { throw error }
    func user(id: UserID) async throws -> User? { throw error }
    func partnerLink(id: Int64) async throws -> PartnerLink? { throw error }
    func links(userID: UserID, now: Date) async throws -> [PartnerLink] { throw error }
    func studentStatuses(partnerID: UserID, now: Date) async throws -> [StudentStatus] { throw error }
    func linkedStudent(partnerID: UserID, reference: StudentReference, now: Date) async throws -> (PartnerLink, User?)? {
        throw error
    }
    func startSession(userID: UserID, sessionID: String, refreshTokenHash: String, expiresAt: Date, now: Date) async throws {
        throw error
    }
    func rotateRefreshToken(presentedHash: String, newHash: String, expiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    { throw error }
    func revokeSession(id: String, now: Date) async throws { throw error }
    func rotateCalendarToken(userID: UserID, token: String) async throws { throw error }
    func calendarFeed(token: String, now: Date) async throws -> (User, [TaskItem])? { throw error }
    func requestPhoneCode(userID: UserID, phone: Phone, code: String, now: Date) async throws -> PhoneCodeRequest {
        throw error
    }
    func verifyPhoneCode(userID: UserID, code: String, now: Date) async throws -> PhoneLinkOutcome { throw error }
    func deliveryLog(userID: UserID, beforeID: DeliveryID?, limit: Int) async throws -> [Delivery] { throw error }
    func isSessionActive(id: String, userID: UserID) async throws -> Bool { throw error }
    func taskPage(userID: UserID, query: TaskQuery) async throws -> TaskPage { throw error }
    func task(userID: UserID, id: TaskID) async throws -> TaskItem? { throw error }
    func applyChange(_ change: TaskChange, userID: UserID, now: Date) async throws -> (ChangeOutcome, Bool) { throw error }
    func setPriority(_ priority: Priority?, taskID: TaskID, userID: UserID, now: Date) async throws -> TaskItem? {
        throw error
    }
    func nextPendingDeliveryDue() async throws -> Date? { throw error }
    func recordProviderStatus(providerMessageID: String, status: ProviderStatus, errorCode: String?, now: Date) async throws -> Bool { throw error }
    func digestContent(userID: UserID, now: Date) async throws -> DigestContent { throw error }
    func releaseAllClaims(now: Date) async throws -> Int { throw error }
    func tasks(userID: UserID, status: TaskStatus?) async throws -> [TaskItem] { throw error }
    func deliveries(userID: UserID) async throws -> [Delivery] { throw error }
    func conversation(userID: UserID, limit: Int) async throws -> [ConversationEntry] { throw error }
}

@Suite("When the database cannot write")
struct StoreFailureTests {
    @Test("the webhook answers 503 with Retry-After (Twilio retries) instead of a false 200; readyz says not ready")
    func webhookAnswers503() async throws {
        let configuration = try TaskPulseConfiguration(environment: [
            "TASKPULSE_PUBLIC_URL": Harness.publicURL, "TWILIO_ACCOUNT_SID": "ACtest0000000000000000000000000000",
            "TWILIO_AUTH_TOKEN": Harness.authToken, "TWILIO_FROM_NUMBER": "+15550000000",
        ])
        let dependencies = Dependencies(
            store: UnavailableStore(), sms: DevOutboxSMSTransport(), clock: FakeWallClock(now: Harness.start),
            logger: Logger(label: "test"))
        let parts = buildParts(configuration, dependencies)
        let app = Application(router: try buildRouter(configuration, dependencies, parts: parts))
        try await app.test(.router) { client in
            let response = try await client.text("add call mom tomorrow 9am")
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "5")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
        }
    }
}

@Suite("When the real SQLite file cannot take the write")
struct SQLiteFaultTests {
    @Test("another connection holds the write lock: 503 with Retry-After, nothing half-written, Twilio's retry goes through once")
    func lockedDatabase() async throws {
        try await FakeTwilioServer.with { twilio in
            try await TemporaryDatabase.with(engine: .sqlite) { database in
                let harness = try await Harness(database: database, twilio: twilio)
                // Another writer (a backup tool, a stray sqlite3 shell) holds the lock past the busy timeout.
                let blocker = try DatabaseQueue(path: database.url)
                let locked = DispatchSemaphore(value: 0)
                let release = DispatchSemaphore(value: 0)
                let holder = Thread {
                    try? blocker.inDatabase { db in
                        try db.execute(sql: "BEGIN IMMEDIATE")
                        locked.signal()
                        release.wait()
                        try db.execute(sql: "ROLLBACK")
                    }
                    locked.signal()
                }
                holder.start()
                locked.wait()
                try await harness.application.test(.router) { client in
                    let refused = try await client.text("add call mom tomorrow 9am", sid: "SMlocked")
                    #expect(refused.status == .serviceUnavailable)
                    #expect(refused.headers[.retryAfter] == "5")
                    release.signal()
                    locked.wait()
                    let retried = try await client.text("add call mom tomorrow 9am", sid: "SMlocked")
                    #expect(retried.status == .ok)
                    #expect(retried.text.contains("Added #1 call mom"))
                    let replayed = try await client.text("add call mom tomorrow 9am", sid: "SMlocked")
                    #expect(replayed.text == retried.text)
                }
                try blocker.close()
                let user = try #require(try await harness.store.user(phone: Phone("+15555550100")!))
                #expect(try await harness.store.tasks(userID: user.id, status: .open).map(\.title) == ["call mom"])
            }
        }
    }
}
