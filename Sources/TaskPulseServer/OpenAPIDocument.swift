import Foundation
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 description of the JSON API (`Resources/openapi.json`), served at `/openapi.json`.
///
/// Written by hand next to the handlers; two checks keep it exact: a unit test compares its paths
/// and methods with the router's, and the contract test (`scripts/lib/contract_test.sh`, run by
/// `scripts/test`) fuzzes the running server against it with schemathesis.
enum OpenAPIDocument {
    /// The document's bytes.
    /// - Throws: when the resource is missing or is not JSON (a build defect: start-up stops).
    static func load() throws -> ByteBuffer {
        guard
            let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "openapi", withExtension: "json")
        else { throw WebPages.WebPagesError.missing("Resources/openapi.json") }
        let data = try Data(contentsOf: url)
        _ = try JSONSerialization.jsonObject(with: data)
        return ByteBuffer(bytes: data)
    }

    static func addRoute(to router: Router<TaskPulseRequestContext>, document: ByteBuffer) {
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: document))
        }
    }
}
