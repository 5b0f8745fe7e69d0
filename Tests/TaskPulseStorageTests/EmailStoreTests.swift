import Foundation
import TaskPulseDomain
import TaskPulseTestSupport
import Testing

@testable import TaskPulseStorage

@Suite("store: email and digest schedules")
struct EmailStoreTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let phone = Phone("+15555550100")!

    @Test("people who never texted since an upgrade get their digests scheduled at start, once")
    func scheduleMissing() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            #expect(try await store.deliveries(userID: user.id).isEmpty)
            #expect(try await store.scheduleMissingDigests(now: now) == 1)
            let kinds = Set(try await store.deliveries(userID: user.id).filter { $0.status == .pending }.map(\.kind))
            #expect(kinds == [.agenda, .weekly])  // motivation is off until asked for
            #expect(try await store.scheduleMissingDigests(now: now) == 0)
        }
    }

    @Test("a person can never hold two pending runs of one digest kind")
    func onePendingDigest() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            _ = try await store.scheduleMissingDigests(now: now)
            await #expect(throws: (any Error).self) {
                try await store.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO deliveries (user_id, kind, due_at, status, created_at, updated_at)
                            VALUES (?, 'agenda', 0, 'pending', 0, 0)
                            """,
                        arguments: [user.id.rawValue])
                }
            }
            try await store.write { db in
                // The scheduler's own insert does nothing instead of failing the text that caused it.
                let scheduler = DigestScheduler(db: db, now: now, calculator: store.calculator)
                try scheduler.schedule(.agenda, for: try #require(try StoreRows.fetchUser(db, id: user.id)), after: now)
            }
            let agendas = try await store.deliveries(userID: user.id).filter { $0.kind == .agenda && $0.status == .pending }
            #expect(agendas.count == 1)
        }
    }

    @Test("a digest run left sending by a crash is not put back when its next run is already waiting")
    func releaseKeepsOnePending() async throws {
        // Releasing claims at start is the embedded engine's (PostgreSQL nodes wait for the lease instead).
        try await TemporaryDatabase.with(engine: .sqlite) { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            _ = try await store.scheduleMissingDigests(now: now)
            try await store.write { db in
                try db.execute(
                    sql: "UPDATE deliveries SET status = 'sending', lease_until = 1 WHERE user_id = ? AND kind = 'agenda'",
                    arguments: [user.id.rawValue])
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (user_id, kind, due_at, status, created_at, updated_at)
                        VALUES (?, 'agenda', 0, 'pending', 0, 0)
                        """,
                    arguments: [user.id.rawValue])
            }
            _ = try await store.releaseAllClaims(now: now)
            let agendas = try await store.deliveries(userID: user.id).filter { $0.kind == .agenda }
            #expect(agendas.map(\.status) == [.canceled, .pending])
        }
    }

    @Test("a digest retry whose next run was written meanwhile ends instead of making a second pending run")
    func retryYieldsToNewerRun() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            _ = try await store.scheduleMissingDigests(now: now)
            let agenda = try #require(try await store.deliveries(userID: user.id).first { $0.kind == .agenda })
            try await store.write { db in
                try db.execute(sql: "UPDATE deliveries SET status = 'sending' WHERE id = ?", arguments: [agenda.id.rawValue])
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (user_id, kind, due_at, status, created_at, updated_at)
                        VALUES (?, 'agenda', 0, 'pending', 0, 0)
                        """,
                    arguments: [user.id.rawValue])
            }
            try await store.recordDeliveryResult(
                .retry(at: now.addingTimeInterval(60), errorCode: "429", message: "busy"), deliveryID: agenda.id, now: now)
            let agendas = try await store.deliveries(userID: user.id).filter { $0.kind == .agenda }
            #expect(agendas.map(\.status) == [.canceled, .pending])
            #expect(agendas.first?.errorMessage == "replaced by a newer run")
        }
    }

    @Test("the confirmation secret is stored only as a hash; an unknown or empty unsubscribe secret does nothing")
    func secrets() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            let token = EmailTokens.make()
            #expect(token.count == 43 && !token.contains("+") && !token.contains("/"))
            _ = try await store.handleInbound(
                InboundMessage(messageSid: "SM1", body: "email a@example.com", receivedAt: now), userID: user.id,
                change: .requestEmail(address: "a@example.com", token: token), now: now) { _, _ in "" }
            let stored = try await store.read { db in
                try String.fetchAll(db, sql: "SELECT token_hash FROM email_verifications")
            }
            #expect(stored == [EmailTokens.hash(token)])
            #expect(try await store.pendingEmailVerification(token: token, now: now)?.address == "a@example.com")
            #expect(try await store.unsubscribeEmail(token: "", now: now) == nil)
            #expect(try await store.unsubscribeEmail(token: "nope", now: now) == nil)
            #expect(try await store.confirmEmail(token: token, now: now) == .confirmed(address: "a@example.com"))
            let confirmed = try #require(try await store.user(phone: phone))
            let unsubscribeToken = try #require(confirmed.email.unsubscribeToken)
            #expect(try await store.unsubscribeEmail(token: unsubscribeToken, now: now) == "a@example.com")
            #expect(try await store.user(phone: phone)?.email.isUsable == false)
        }
    }
}
