/// The command words people can text, for hints when a word is not understood.
public enum CommandVocabulary {
    /// Canonical command words, the ones a hint may name. STOP is deliberately absent: a text like
    /// "stop reminding me about laundry" must not be steered into opting out of everything.
    public static let commands = [
        "add", "remind", "list", "done", "delete", "undo", "help", "today", "tomorrow", "overdue", "snooze",
        "move", "rename", "agenda", "skip", "reschedule", "quiet", "morning", "evening", "motivation", "weekly",
        "email", "link", "assign", "students", "progress", "unlink", "timezone", "status", "block", "tell", "alerts",
    ]

    /// The closest command word to `word`, if a typo is likely (never auto-corrected: DESIGN §2).
    public static func closestCommand(to word: String) -> String? {
        guard word.count >= 2, word.count <= 12, word.allSatisfy({ $0.isLetter }) else { return nil }
        var best: (word: String, distance: Int)?
        for command in commands {
            let distance = editDistance(word, command)
            let allowed = max(command.count, word.count) <= 4 ? 1 : 2
            if distance <= allowed, distance < (best?.distance ?? .max) {
                best = (command, distance)
            }
        }
        return best?.word
    }

    /// Optimal string alignment distance: edits plus adjacent transpositions (`lsit` -> `list` is 1).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
