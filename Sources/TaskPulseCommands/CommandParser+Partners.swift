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

    /// `yes 2`: one positive number.
    func choiceNumber(_ tokens: [Token]) -> Int? {
        guard tokens.count == 1, let numbers = numbers(tokens), numbers.count == 1 else { return nil }
        return numbers[0]
    }

    /// `tell all quiz moved to friday`, `tell Sam see you at 5`: the first word names the recipients.
    func parseTell(_ tokens: [Token]) -> Command {
        guard tokens.count >= 2 else { return .refused(.tell, .emptyTitle) }
        let name = String(tokens[0].original)
        let text = Token.join(Array(tokens.dropFirst()))
        return .tell(name: ["all", "everyone", "students"].contains(name.lowercased()) ? nil : name, text: text)
    }

    /// `alerts`, `alerts off`, `alerts done off`, `alerts overdue on`, `alerts weekly off`.
    func parseAlerts(_ tokens: [Token]) -> Command? {
        let words = tokens.map(\.word)
        func onOff(_ word: String) -> Bool? { word == "on" ? true : word == "off" ? false : nil }
        switch words.count {
        case 0: return .alerts(nil, nil)
        case 1: return onOff(words[0]).map { .alerts(nil, $0) }
        case 2:
            let kind: PartnerAlertSwitch? = switch words[0] {
            case "done", "completed", "completion", "completions": .done
            case "overdue", "late": .overdue
            case "weekly", "summary", "week": .weekly
            default: nil
            }
            guard let kind, let value = onOff(words[1]) else { return nil }
            return .alerts(kind, value)
        default: return nil
        }
    }

    /// `name Ms Lee` sets the name students see; `name` alone shows it.
    func parseDisplayName(_ tokens: [Token]) -> Command {
        tokens.isEmpty ? .displayName(nil) : .displayName(Token.join(tokens))
    }
}
