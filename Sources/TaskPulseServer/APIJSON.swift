import Foundation
import Hummingbird
import NIOCore
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// JSON in and out for the API: snake_case names, RFC 3339 UTC instants (DESIGN §6).
enum JSON {
    static func response(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes the request body.
    /// - Throws: ``ResponseError`` with the 4xx answer naming what is wrong (never a 500); Hummingbird
    ///   sends it as the response.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: APIController.maximumBody)
        } catch {
            throw ResponseError(
                APIError.response(status: .contentTooLarge, code: "body_too_large", message: "the body is over 64 KiB", field: nil))
        }
        let data = Data(buffer.readableBytesView)
        if let field = JSON.fieldHoldingNUL(data) {
            throw FieldError.invalid(field, "\(field) contains a NUL character")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ResponseError(
                APIError.response(status: .badRequest, code: "invalid_field", message: "\(field) has the wrong type", field: field))
        } catch let error as FieldError {
            throw error
        } catch {
            throw ResponseError(
                APIError.response(status: .badRequest, code: "malformed_json", message: "the body is not a JSON object", field: nil))
        }
    }

    /// The path (`title`, `student_ids.0`) of the first string holding U+0000, which PostgreSQL's text
    /// cannot store; `nil` for none. Only bodies with a `\u0000` escape are parsed twice.
    static func fieldHoldingNUL(_ data: Data) -> String? {
        guard data.range(of: Data("u0000".utf8)) != nil,
            let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return nil }
        func search(_ value: Any, _ path: [String]) -> String? {
            switch value {
            case let text as String: return text.utf8.contains(0) ? path.joined(separator: ".") : nil
            case let object as [String: Any]:
                for key in object.keys.sorted() {
                    if key.utf8.contains(0) { return (path + [key]).joined(separator: ".") }
                    if let found = search(object[key]!, path + [key]) { return found }
                }
                return nil
            case let array as [Any]:
                for (index, element) in array.enumerated() {
                    if let found = search(element, path + [String(index)]) { return found }
                }
                return nil
            default: return nil
            }
        }
        return search(object, [])
    }

    /// A 4xx answer thrown from deep in a handler.
    struct ResponseError: HTTPResponseError {
        let answer: Response
        init(_ answer: Response) { self.answer = answer }
        var status: HTTPResponse.Status { answer.status }
        func response(from request: Request, context: some RequestContext) throws -> Response { answer }
    }

    /// An instant as RFC 3339 in UTC, whole seconds ("2026-11-30T15:15:00Z").
    static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func string(_ date: Date?) -> String? {
        date.map(string)
    }

    /// An RFC 3339 instant with an offset or Z, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// Any encodable value, for small mixed objects.
struct AnyEncodable: Encodable {
    private let encodeValue: (any Encoder) throws -> Void
    init(_ value: some Encodable) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}

/// A task as the API shows it (DESIGN §6).
struct APITask: Encodable {
    var id: Int64
    var number: Int
    var title: String
    var status: String
    var priority: Int?
    var dueAt: String?
    var remindAt: String?
    var recurrence: String?
    var createdAt: String
    var updatedAt: String
    var completedAt: String?

    init(_ task: TaskItem) {
        id = task.id.rawValue
        number = task.number
        title = task.title
        status = task.status.rawValue
        priority = task.priority?.rawValue
        dueAt = JSON.string(task.dueAt)
        remindAt = JSON.string(task.remindAt)
        recurrence = task.recurrence?.rrule
        createdAt = JSON.string(task.createdAt) ?? ""
        updatedAt = JSON.string(task.updatedAt) ?? ""
        completedAt = JSON.string(task.completedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, number, title, status, priority, dueAt = "due_at", remindAt = "remind_at", recurrence
        case createdAt = "created_at", updatedAt = "updated_at", completedAt = "completed_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(number, forKey: .number)
        try container.encode(title, forKey: .title)
        try container.encode(status, forKey: .status)
        // Absent values are explicit nulls: the shape never changes.
        try container.encode(priority, forKey: .priority)
        try container.encode(dueAt, forKey: .dueAt)
        try container.encode(remindAt, forKey: .remindAt)
        try container.encode(recurrence, forKey: .recurrence)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(completedAt, forKey: .completedAt)
    }
}

/// A page of a list: `{"items", "next_cursor"}` (DESIGN §6), `next_cursor` null on the last page.
struct APIPage<Item: Encodable>: Encodable {
    var items: [Item]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// The signed-in person.
struct APIMe: Encodable {
    var id: Int64
    var email: String?
    var phone: String?
    var timeZone: String

    init(_ user: User) {
        id = user.id.rawValue
        email = user.loginEmail
        phone = user.phone?.e164
        timeZone = user.timeZoneID
    }

    enum CodingKeys: String, CodingKey { case id, email, phone, timeZone = "time_zone" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(phone, forKey: .phone)
        try container.encode(timeZone, forKey: .timeZone)
    }
}

/// Opaque page cursors: the next offset, bound to the query's filters so a cursor from one query is
/// refused by another.
enum PageCursor {
    static func make(offset: Int, query: TaskQuery) -> String {
        EmailTokens.base64URL(Data("\(offset):\(fingerprint(query))".utf8))
    }

    static func offset(_ cursor: String, query: TaskQuery) -> Int? {
        guard let data = EmailTokens.base64URLDecoded(cursor), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let offset = Int(parts[0]), offset >= 0, parts[1] == fingerprint(query) else { return nil }
        return offset
    }

    private static func fingerprint(_ query: TaskQuery) -> String {
        var copy = query
        copy.offset = 0
        copy.limit = 0
        var hasher = FNV1a()
        hasher.add("\(copy)")
        return String(hasher.value, radix: 36)
    }

    /// A stable hash (Swift's Hasher is seeded per process; cursors must outlive one).
    struct FNV1a {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(_ text: String) {
            for byte in text.utf8 {
                value ^= UInt64(byte)
                value = value &* 0x100_0000_01b3
            }
        }
    }
}

/// A request's query string read as HTML forms write it (WHATWG `application/x-www-form-urlencoded`):
/// `+` is a space, `%2B` a plus. Hummingbird's own reading keeps `+`, which would turn a search for
/// "call mom" sent by a form or by Python's `requests` into "call+mom".
struct QueryString: Sendable {
    private let values: [String: String]

    /// - Throws: a 400 ``FieldError`` when the query is not valid percent-encoded UTF-8.
    init(_ request: Request) throws {
        guard let pairs = FormEncoding.decode(request.uri.query ?? "") else {
            throw FieldError(
                status: .badRequest, code: "malformed_query", message: "the query string is not valid percent-encoding",
                field: nil)
        }
        try FieldError.refusingNUL(pairs)
        values = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    /// No parameters (a page shown despite a query it cannot read).
    private init() { values = [:] }
    static let empty = QueryString()

    subscript(_ name: String) -> String? { values[name] }
}
