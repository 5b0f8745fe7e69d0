import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import ServiceLifecycleTestKit
import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseServer
import TaskPulseTestSupport
import Testing

@Suite("Health, readiness and graceful shutdown", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test("on graceful shutdown the dispatcher stops claiming and returns")
    func dispatcherStops() async throws {
        try await Harness.with { harness, twilio in
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await harness.parts.dispatcher.run() }
                    #expect(await harness.clock.waitForSleeper())
                    trigger.triggerGracefulShutdown()
                    // run() returns by itself; no cancellation needed.
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test("/healthz and /readyz answer; the root sends people somewhere useful")
    func health() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let health = try await client.execute(uri: "/healthz", method: .get)
                let ready = try await client.execute(uri: "/readyz", method: .get)
                let root = try await client.execute(uri: "/", method: .get)
                // The simulator exists only in dev mode; this harness has Twilio credentials.
                let simulator = try await client.execute(uri: "/simulator", method: .get)
                #expect(health.status == .ok)
                #expect(ready.status == .ok)
                #expect(ready.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(try await client.execute(uri: "/healthz", method: .head).status == .ok)
                #expect(root.status == .seeOther)
                #expect(simulator.status == .notFound)
            }
        }
    }
}
