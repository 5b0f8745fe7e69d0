import Foundation
import PostgresNIO

/// Turns the store's SQL (SQLite style: `?` placeholders, several statements separated by `;`) into
/// PostgreSQL statements with `$1...` placeholders and their own bindings.
///
/// It knows quoted strings and identifiers (`'...'`, `"..."`, with doubled quotes inside), which is all the
/// store's SQL uses; it refuses comments and dollar quoting rather than misread a `?` or `;` inside them.
enum PostgresStatements {
    /// - Throws: ``StoreError/unavailable(_:)`` when the number of `?` and of arguments differ (a bug).
    static func split(_ sql: String, arguments: SQLArguments) throws -> [PostgresQuery] {
        var statements: [PostgresQuery] = []
        var text = ""
        var bindings = PostgresBindings()
        var used = 0
        var quote: Character?

        func finish() {
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                statements.append(PostgresQuery(unsafeSQL: text, binds: bindings))
            }
            text = ""
            bindings = PostgresBindings()
        }

        for character in sql {
            if let open = quote {
                text.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                text.append(character)
            case "?":
                guard used < arguments.values.count else {
                    throw StoreError.unavailable("more placeholders than arguments in: \(sql)")
                }
                bind(arguments.values[used], to: &bindings)
                used += 1
                text += "$\(bindings.count)"
            case ";":
                finish()
            case "-" where text.last == "-", "*" where text.last == "/", "$" where text.last == "$":
                throw StoreError.unavailable("comments and dollar quoting are not supported in: \(sql)")
            default:
                text.append(character)
            }
        }
        finish()
        guard used == arguments.values.count else {
            throw StoreError.unavailable("\(arguments.values.count) arguments for \(used) placeholders in: \(sql)")
        }
        return statements
    }

    private static func bind(_ value: SQLValue, to bindings: inout PostgresBindings) {
        switch value {
        case .null: bindings.appendNull()
        case .integer(let integer): bindings.append(integer)
        case .real(let real): bindings.append(real)
        case .text(let text): bindings.append(text)
        }
    }
}
