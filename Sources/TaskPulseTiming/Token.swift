/// One whitespace-separated word of a text, keeping the exact original characters.
public struct Token: Sendable, Equatable {
    /// The word exactly as texted (byte-exact), used to rebuild titles.
    public let original: Substring
    /// The word lowercased, without surrounding punctuation, for matching.
    public let word: String

    public init(_ original: Substring) {
        self.original = original
        self.word = Token.normalize(original)
    }

    /// Splits `text` on whitespace.
    public static func tokenize(_ text: some StringProtocol) -> [Token] {
        text.split(whereSeparator: { $0.isWhitespace }).map { Token(Substring($0)) }
    }

    /// Joins tokens' original text with single spaces, as titles are stored.
    public static func join(_ tokens: some Sequence<Token>) -> String {
        tokens.map { String($0.original) }.joined(separator: " ")
    }

    static let trailingPunctuation: Set<Character> = [".", ",", "!", "?", ";", ":", ")", "\"", "'"]
    static let leadingPunctuation: Set<Character> = ["(", "\"", "'"]

    static func normalize(_ text: Substring) -> String {
        var slice = text
        while let last = slice.last, trailingPunctuation.contains(last) { slice.removeLast() }
        while let first = slice.first, leadingPunctuation.contains(first) { slice.removeFirst() }
        return slice.lowercased()
    }
}
