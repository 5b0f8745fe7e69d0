import Foundation
import Hummingbird
import NIOCore

/// The JSON error body of DESIGN §6: `{"error": {"code", "message", "field"}}`.
public enum APIError {
    public static func response(status: HTTPResponse.Status, code: String, message: String, field: String?) -> Response
    {
        var error: [String: String] = ["code": code, "message": message]
        if let field { error["field"] = field }
        let data =
            (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
