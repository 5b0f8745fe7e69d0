import Foundation
import TaskPulseDomain
import TaskPulseTiming

extension CommandParser {
    /// `add`, `remind me to`, repeating adds and `assign`'s task part.
    func parseAdd(
        _ tokens: [Token], context: ParseContext, requiresTime: Bool, dropsLeadingTo: Bool = false
    ) -> Command {
        switch addRequest(tokens, context: context, requiresTime: requiresTime, dropsLeadingTo: dropsLeadingTo) {
        case .success(let request): return .add(request)
        case .failure(let error): return .refused(.add, error)
        }
    }

    func addRequest(
        _ tokens: [Token], context: ParseContext, requiresTime: Bool, dropsLeadingTo: Bool = false
    ) -> Result<AddRequest, CommandError> {
        var priority: Priority?
        var remaining: [Token] = []
        for token in tokens {
            if priority == nil, let value = CommandParser.priority(token.word) {
                priority = value
            } else {
                remaining.append(token)
            }
        }
        // Repeat phrases first, so "every mon and thu" is not read as a single Monday.
        var repeatPhrase: RecurrencePhrase?
        if let (found, consumed) = RecurrenceScanner(dateOrder: context.dateOrder).scan(remaining) {
            repeatPhrase = found
            remaining = remaining.enumerated().filter { !consumed.contains($0.offset) }.map(\.element)
        }
        let (phrase, consumed) = WhenPhraseScanner(dateOrder: context.dateOrder).scan(remaining)
        var titleTokens = remaining.enumerated().filter { !consumed.contains($0.offset) }.map(\.element)
        if dropsLeadingTo, titleTokens.first?.word == "to" { titleTokens.removeFirst() }
        if let last = titleTokens.last, ["at", "on", "by"].contains(last.word), titleTokens.count > 1 {
            titleTokens.removeLast()
        }
        let resolver = context.resolver
        var schedule: Schedule?
        var recurrence: Recurrence?
        var occurrenceTime: LocalTime?
        do {
            if let repeatPhrase {
                let (rule, time, first) = try resolveRepeat(repeatPhrase, phrase: phrase, context: context)
                recurrence = rule
                occurrenceTime = time
                guard let first else { return .failure(.pastDate) }
                schedule = Schedule(dueAt: first, remindAt: first, isDeadline: false)
            } else {
                schedule = try resolver.resolve(phrase, now: context.now)
            }
        } catch .badDate {
            return .failure(.badDate)
        } catch {
            return .failure(.pastDate)
        }
        if titleTokens.isEmpty { return .failure(.emptyTitle) }
        if requiresTime && schedule == nil { return .failure(.missingTime) }
        return .success(
            AddRequest(
                title: Token.join(titleTokens), priority: priority, schedule: schedule, recurrence: recurrence,
                occurrenceTime: occurrenceTime))
    }

    /// The rule with `UNTIL` resolved, the time of day, and the first occurrence.
    private func resolveRepeat(
        _ repeatPhrase: RecurrencePhrase, phrase: WhenPhrase, context: ParseContext
    ) throws(ScheduleError) -> (Recurrence, LocalTime, Date?) {
        var rule = repeatPhrase.rule
        if let until = repeatPhrase.until {
            let date = try context.resolver.date(for: until, now: context.now)
            rule.untilDay = date.year * 10_000 + date.month * 100 + date.day
        }
        let time: LocalTime
        if let clock = phrase.clock {
            time = LocalTime(hour: clock.hour, minute: clock.minute)!
        } else {
            time = phrase.partOfDay ?? repeatPhrase.partOfDay ?? context.morningTime
        }
        if rule.frequency == .hourly && phrase.clock == nil {
            // "every 3 hours" starts 3 hours from now (DESIGN §2).
            let first = context.now.addingTimeInterval(TimeInterval(rule.interval * 3600))
            return (rule, ZonedTime.local(first, in: context.zone).time, first)
        }
        var probe = rule
        probe.count = nil
        let first = RecurrenceCalculator.first(rule: probe, zone: context.zone, time: time, after: context.now)
        return (rule, time, first)
    }

    /// `snooze`, `snooze 30m`, `snooze 2 1h`, `snooze until 5pm`, `snooze 3 until 6pm`.
    func parseSnooze(_ tokens: [Token], context: ParseContext) -> Command {
        let (numbers, used) = leadingNumbers(tokens, unlessFollowedByUnit: true)
        var rest = Array(tokens[used...])
        if rest.isEmpty { return .snooze(SnoozeRequest(numbers: numbers, durationSeconds: 900, until: nil)) }
        if rest.first?.word == "for" { rest.removeFirst() }
        if rest.count == 1, let seconds = CommandParser.compactDuration(rest[0].word) {
            return .snooze(SnoozeRequest(numbers: numbers, durationSeconds: seconds, until: nil))
        }
        if rest.count == 2, let amount = WhenPhraseScanner.amount(rest[0].word), amount > 0, amount <= 100_000,
            let unit = CommandParser.durationUnit(rest[1].word)
        {
            return .snooze(SnoozeRequest(numbers: numbers, durationSeconds: amount * unit, until: nil))
        }
        if rest.first?.word == "until" || rest.first?.word == "till" || rest.first?.word == "to" { rest.removeFirst() }
        let (phrase, consumed) = WhenPhraseScanner(dateOrder: context.dateOrder).scan(rest)
        guard !rest.isEmpty, consumed.count == rest.count else { return .refused(.snooze, .missingTime) }
        do {
            guard let schedule = try context.resolver.resolve(phrase, now: context.now) else {
                return .refused(.snooze, .missingTime)
            }
            if phrase.elapsedSeconds != nil {
                return .snooze(
                    SnoozeRequest(numbers: numbers, durationSeconds: phrase.elapsedSeconds, until: nil))
            }
            return .snooze(SnoozeRequest(numbers: numbers, durationSeconds: nil, until: schedule.dueAt))
        } catch .badDate {
            return .refused(.snooze, .badDate)
        } catch {
            return .refused(.snooze, .pastDate)
        }
    }

    /// `move 2 friday 3pm`, `reschedule 4 tomorrow 10am`, `edit 1 wed 9am`.
    func parseMove(_ tokens: [Token], context: ParseContext) -> Command {
        let (numbers, used) = leadingNumbers(tokens, unlessFollowedByUnit: false)
        var rest = Array(tokens[used...])
        if rest.first?.word == "to" { rest.removeFirst() }
        guard !numbers.isEmpty else { return .refused(.move, .badNumber) }
        let (phrase, _) = WhenPhraseScanner(dateOrder: context.dateOrder).scan(rest)
        do {
            guard let schedule = try context.resolver.resolve(phrase, now: context.now) else {
                return .refused(.move, .missingTime)
            }
            return .move(numbers, schedule)
        } catch .badDate {
            return .refused(.move, .badDate)
        } catch {
            return .refused(.move, .pastDate)
        }
    }

    /// `rename 2 buy oat milk`: the rest of the text, byte-exact, is the new title.
    func parseRename(_ tokens: [Token]) -> Command {
        let (numbers, used) = leadingNumbers(tokens, unlessFollowedByUnit: false)
        guard numbers.count == 1 else { return .refused(.rename, .badNumber) }
        let title = Array(tokens[used...])
        guard !title.isEmpty else { return .refused(.rename, .emptyTitle) }
        return .rename(numbers, Token.join(title))
    }
}
