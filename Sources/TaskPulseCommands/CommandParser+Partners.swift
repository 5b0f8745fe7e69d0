import Foundation
import TaskPulseDomain
import TaskPulseTiming

extension CommandParser {
    /// `link +15551234567 Sam`, `link (555) 123-4567 Sam`: a phone number (US by default) then a name.
    func parseLink(_ tokens: [Token]) -> Command {
        var phoneText = ""
        var index = 0
        while index < tokens.count {
            let original = tokens[index].original
            guard original.allSatisfy({ $0.isASCII && ($0.isNumber || "+-().".contains($0)) }) else { break }
            phoneText += original
            index += 1
        }
        guard !phoneText.isEmpty, let phone = Phone(phoneText) else { return .refused(.link, .badNumber) }
        let name = Array(tokens[index...])
        return .link(phone, name: name.isEmpty ? nil : Token.join(name))
    }

    /// `assign Sam read ch 5 by thu`: the first word names the student, the rest is a task.
    func parseAssign(_ tokens: [Token], context: ParseContext) -> Command {
        guard tokens.count >= 2 else { return .refused(.assign, .emptyTitle) }
        let name = String(tokens[0].original)
        switch addRequest(Array(tokens.dropFirst()), context: context, requiresTime: false) {
        case .success(let request): return .assign(name: name, request)
        case .failure(let error): return .refused(.assign, error)
        }
    }
}
