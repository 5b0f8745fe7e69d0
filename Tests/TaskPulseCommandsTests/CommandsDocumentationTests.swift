import Foundation
import Testing

import TaskPulseCommands
import TaskPulseTiming

/// Every example in docs/COMMANDS.md parses as the command its table says (issue: the language for
/// users, every example checked by a test).
@Suite("docs/COMMANDS.md examples")
struct CommandsDocumentationTests {
    struct Example: CustomStringConvertible {
        var text: String
        var command: String
        var error: String?
        var description: String { text }
    }

    static func examples() throws -> [Example] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent("docs/COMMANDS.md"), encoding: .utf8)
        var examples: [Example] = []
        for line in document.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4 else { continue }
            let text = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let expected = cells[cells.count - 2].split(separator: " ")
            let error = expected.count > 1 ? expected[1].trimmingCharacters(in: CharacterSet(charactersIn: "()")) : nil
            examples.append(Example(text: text, command: String(expected[0]), error: error))
        }
        return examples
    }

    @Test("the document has examples for every section")
    func hasExamples() throws {
        #expect(try CommandsDocumentationTests.examples().count >= 60)
    }

    @Test("each example reads as its command", arguments: try CommandsDocumentationTests.examples())
    func example(_ example: Example) throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let now = ZonedTime.instant(try #require(LocalDateTime(iso: "2026-11-23T10:15")), in: zone)
        let command = CommandParser().parse(example.text, context: ParseContext(now: now, zone: zone))
        let json = ParsedCommandJSON(command, zone: zone)
        #expect(json.command == example.command, "\(example.text) -> \(json.command)")
        #expect(json.error == example.error, "\(example.text) -> error \(json.error ?? "none")")
    }
}
