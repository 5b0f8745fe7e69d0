import Foundation

/// The evening motivation lines from `prompts/motivation.txt`, loaded and checked at start (DESIGN §8).
public struct MotivationCatalog: Sendable, Equatable {
    /// What a line may say about the person.
    public struct Facts: Sendable, Equatable {
        public var streakDays: Int
        public var completedThisWeek: Int

        public init(streakDays: Int, completedThisWeek: Int) {
            self.streakDays = streakDays
            self.completedThisWeek = completedThisWeek
        }
    }

    /// Why a catalog was refused at start.
    public struct LoadError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public let lines: [String]
    /// The least number of lines the catalog must have (issue 5).
    public static let minimumLines = 60

    public init(lines: [String]) {
        self.lines = lines
    }

    /// Loads `motivation.txt` from `directory`.
    /// - Throws: ``LoadError`` when the file is missing, too short, or a line does not fit one SMS segment.
    public static func load(directory: String, programName: String = "TaskPulse") throws -> MotivationCatalog {
        let path = (directory as NSString).appendingPathComponent("motivation.txt")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LoadError(description: "cannot read \(path)")
        }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let catalog = MotivationCatalog(lines: lines)
        try catalog.check(programName: programName)
        return catalog
    }

    /// Every line renders with sample numbers and fits one GSM-7 segment with the program prefix.
    public func check(programName: String) throws {
        guard lines.count >= MotivationCatalog.minimumLines else {
            throw LoadError(description: "motivation.txt has \(lines.count) lines; at least \(MotivationCatalog.minimumLines) are needed")
        }
        let sample = Facts(streakDays: 365, completedThisWeek: 999)
        for (index, _) in lines.enumerated() {
            let text = "\(programName): " + render(index, facts: sample)
            let (encoding, segments) = SegmentCounter.count(text)
            guard encoding == .gsm7, segments == 1, !text.contains("{{") else {
                throw LoadError(description: "motivation.txt line \(index + 1) must render as one GSM-7 segment: \(text)")
            }
        }
    }

    /// Whether line `index` has something true to say for these facts.
    public func isUsable(_ index: Int, facts: Facts) -> Bool {
        let line = lines[index]
        if line.contains("{{streak}}") && facts.streakDays < 2 { return false }
        if line.contains("{{done_week}}") && facts.completedThisWeek < 1 { return false }
        return true
    }

    public func render(_ index: Int, facts: Facts) -> String {
        lines[index].replacingOccurrences(of: "{{streak}}", with: String(facts.streakDays))
            .replacingOccurrences(of: "{{done_week}}", with: String(facts.completedThisWeek))
    }

    /// A usable line not sent in the last 30 days (`recent`), preferring lines about the person's progress.
    /// - Parameters: `poolChoice` and `lineChoice`: two independent numbers in `0..<1`.
    public func pick(facts: Facts, recent: Set<Int>, poolChoice: Double, lineChoice: Double) -> Int? {
        let fresh = lines.indices.filter { isUsable($0, facts: facts) && !recent.contains($0) }
        let personal = fresh.filter { lines[$0].contains("{{") }
        let pool = !personal.isEmpty && poolChoice < 0.4 ? personal : fresh
        guard !pool.isEmpty else { return nil }
        return pool[min(pool.count - 1, Int(lineChoice * Double(pool.count)))]
    }
}
