import Foundation
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage
import TaskPulseTiming

/// The words of the scheduled digests, rendered at send time from the store's current content.
/// `nil` means there is nothing worth saying, and nothing is sent (issue 5).
struct DigestText {
    let programName: String
    let templates: MessageTemplates
    let zone: TimeZone
    let now: Date
    /// The most tasks a digest names before it says how many more there are.
    static let maximumItems = 5
    /// Digests stay within two SMS segments, whatever the titles (prompts/README.md).
    static let segmentBudget = 2

    private func time(_ instant: Date) -> String { DigestClock(zone: zone).time(instant) }

    private func day(_ instant: Date) -> String { DigestClock(zone: zone).day(instant) }

    private func items(_ tasks: [TaskItem], limit: Fit = Fit(), describe: (TaskItem) -> String) -> String {
        func title(_ task: TaskItem) -> String {
            guard let cut = limit.titleLength, task.title.count > cut else { return task.title }
            return task.title.prefix(cut).trimmingCharacters(in: .whitespaces) + "..."
        }
        let count = limit.items
        var parts = tasks.prefix(count).map { "#\($0.number) \(title($0)) (\(describe($0)))" }
        if tasks.count > count { parts.append("+\(tasks.count - count) more (text LIST)") }
        return parts.joined(separator: "; ")
    }

    /// Renders with fewer and fewer named tasks until the text fits the segment budget (long titles or
    /// an emoji, which makes the whole text UCS-2, can otherwise blow it).
    private func fitting(_ render: (Fit) -> String) -> String {
        var fit = Fit()
        var text = render(fit)
        while SegmentCounter.count(text).segments > DigestText.segmentBudget, let smaller = fit.smaller {
            fit = smaller
            text = render(fit)
        }
        return text
    }

    /// How much of a task list a digest names: fewer tasks first, then shorter titles.
    struct Fit {
        var items = DigestText.maximumItems
        var titleLength: Int?

        var smaller: Fit? {
            if items > 1 { return Fit(items: items - 1, titleLength: titleLength) }
            let next = (titleLength ?? 48) - 8
            return next >= 12 ? Fit(items: 1, titleLength: next) : nil
        }
    }

    func agenda(_ content: DigestContent) -> String? {
        guard !content.dueToday.isEmpty || !content.overdue.isEmpty else { return nil }
        return fitting { limit in
            templates.render(
                "sms/agenda",
                [
                    "program": programName, "day": day(now), "has_today": !content.dueToday.isEmpty,
                    "today": items(content.dueToday, limit: limit) { time($0.dueAt ?? now) },
                    "has_overdue": !content.overdue.isEmpty,
                    "overdue": items(content.overdue, limit: limit) { "was " + day($0.dueAt ?? now) },
                ])
        }
    }

    func nudge(_ content: DigestContent) -> String? {
        guard !content.newlyOverdue.isEmpty else { return nil }
        return fitting { limit in
            let list = items(content.newlyOverdue, limit: limit) { "due \(day($0.dueAt ?? now)) \(time($0.dueAt ?? now))" }
            return templates.render("sms/nudge", ["program": programName, "tasks": list])
        }
    }

    func weekly(_ content: DigestContent) -> String? {
        guard content.completedThisWeek > 0 || !content.overdue.isEmpty else { return nil }
        let rate = DigestText.onTimePercent(content)
        return fitting { limit in
            templates.render(
                "sms/weekly",
                [
                    "program": programName, "done": content.completedThisWeek, "has_done": content.completedThisWeek > 0,
                    "on_time_percent": rate, "has_streak": content.streakDays > 1, "streak": content.streakDays,
                    "has_overdue": !content.overdue.isEmpty,
                    "overdue": items(content.overdue, limit: limit) { "was " + day($0.dueAt ?? now) },
                ])
        }
    }

    /// The share of the week's completions made by their due time, in percent.
    static func onTimePercent(_ content: DigestContent) -> Int {
        content.completedThisWeek == 0
            ? 0 : Int((Double(content.completedOnTime) / Double(content.completedThisWeek) * 100).rounded())
    }

    /// The motivation text and the line's words and index, or `nil` when the catalog has nothing left.
    func motivation(_ content: DigestContent, catalog: MotivationCatalog) -> (text: String, words: String, index: Int)? {
        let facts = MotivationCatalog.Facts(streakDays: content.streakDays, completedThisWeek: content.completedThisWeek)
        guard let line = catalog.pick(
            facts: facts, recent: content.recentMotivationLines, poolChoice: Double.random(in: 0..<1),
            lineChoice: Double.random(in: 0..<1))
        else { return nil }
        let words = catalog.render(line, facts: facts)
        return (templates.render("sms/motivation", ["program": programName, "line": words]), words, line)
    }
}
