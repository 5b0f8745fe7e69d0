import ArgumentParser
import Foundation
import TaskPulseCommands
import TaskPulseTiming

/// `taskpulse parse --json`: shows how a text is understood (the corpus README's contract).
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse", abstract: "Show how texts are understood, as JSON (one text, or JSONL with --batch).")

    @Flag(help: "Print JSON (the only format for now; kept for the corpus checker's command line).")
    var json = false

    @Flag(help: "Read JSONL {\"id\",\"text\",\"now\",\"tz\"} on stdin and write one JSON object per line.")
    var batch = false

    @Option(help: "The person's local wall-clock time, YYYY-MM-DDTHH:MM[:SS].")
    var now: String?

    @Option(help: "The person's IANA time zone.")
    var tz: String = "America/New_York"

    @Option(help: "The text to parse.")
    var text: String?

    func run() throws {
        let parser = CommandParser()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if batch {
            // One process for a whole corpus: reuse the decoder and zones, write in blocks.
            let decoder = JSONDecoder()
            var zones: [String: TimeZone] = [:]
            var output = Data()
            while let line = readLine(strippingNewline: true) {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                do {
                    let input = try decoder.decode(BatchInput.self, from: Data(line.utf8))
                    let zone = zones[input.tz] ?? TimeZone(identifier: input.tz)
                    zones[input.tz] = zone
                    output += try encoder.encode(try parseOne(parser, text: input.text, now: input.now, zone: zone, tz: input.tz))
                } catch {
                    output += try encoder.encode(["command": "error", "error": "bad input line: \(error)"])
                }
                output.append(UInt8(ascii: "\n"))
                if output.count > 1 << 16 {
                    FileHandle.standardOutput.write(output)
                    output.removeAll(keepingCapacity: true)
                }
            }
            FileHandle.standardOutput.write(output)
            return
        }
        guard let text else { throw ValidationError("give --text, or --batch with JSONL on stdin") }
        let result = try parseOne(parser, text: text, now: now, zone: TimeZone(identifier: tz), tz: tz)
        FileHandle.standardOutput.write(try encoder.encode(result) + Data("\n".utf8))
    }

    private func parseOne(
        _ parser: CommandParser, text: String, now: String?, zone: TimeZone?, tz: String
    ) throws -> ParsedCommandJSON {
        guard let zone else { throw ValidationError("unknown time zone: \(tz)") }
        let instant: Date
        if let now {
            guard let local = LocalDateTime(iso: now) else { throw ValidationError("bad --now: \(now)") }
            let seconds = now.split(separator: ":").count == 3 ? Int(now.split(separator: ":")[2]) ?? 0 : 0
            instant = ZonedTime.instant(local, in: zone).addingTimeInterval(TimeInterval(seconds))
        } else {
            instant = Date()
        }
        let command = parser.parse(text, context: ParseContext(now: instant, zone: zone))
        return ParsedCommandJSON(command, zone: zone)
    }
}

private struct BatchInput: Decodable {
    var id: String?
    var text: String
    var now: String?
    var tz: String
}
