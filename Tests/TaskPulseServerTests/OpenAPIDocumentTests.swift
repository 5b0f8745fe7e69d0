import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

import TaskPulseServer

/// `/openapi.json` describes exactly the API: the same paths and methods as the router (the contract
/// test in scripts/test checks the answers against the schemas on a running server).
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("the document lists every API route and nothing else")
    func routesMatch() async throws {
        try await Harness.with { harness, _ in
            let router = try buildRouter(harness.configuration, harness.dependencies, parts: harness.parts)
            let served = Set(
                router.routes.filter { $0.method != .head }.map { "\($0.method) \($0.path)" }
                    .filter { $0.contains(" /api/") || $0.contains(" /calendar/") || $0.hasSuffix(" /healthz") || $0.hasSuffix(" /readyz") })
            try await harness.application.test(.router) { client in
                let response = try await client.execute(uri: "/openapi.json", method: .get)
                #expect(response.status == .ok)
                let document = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                let methods = ["get", "put", "post", "patch", "delete"]
                let described = Set(
                    paths.flatMap { path, operations in
                        operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
                    })
                #expect(described == served, "only described: \(described.subtracting(served)); only served: \(served.subtracting(described))")
            }
        }
    }
}
