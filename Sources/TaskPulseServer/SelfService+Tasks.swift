import Foundation
import Hummingbird
import TaskPulseCommands
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// A task's fields as a screen sets them, already read from JSON or a form.
struct TaskFields: Sendable {
    var title: String?
    var dueAt: Date?
    var remindAt: Date?
    var priority: Priority?
    /// Removes the priority (`"priority": null` in JSON, "None" on the edit page).
    var clearsPriority = false
}

extension SelfService {
    /// Reads the list filters shared by `GET /api/v1/tasks` and the web task list: `status` (comma list),
    /// `priority`, `due_from`, `due_to`, `q`, `sort`, `order`, `limit` and `cursor`. Empty values are
    /// absent (an HTML form sends every field).
    static func taskQuery(_ parameter: (String) -> String?) throws -> TaskQuery {
        func value(_ name: String) -> String? {
            guard let text = parameter(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        var query = TaskQuery()
        if let statuses = value("status") {
            let words = statuses.split(separator: ",", omittingEmptySubsequences: false)
            query.statuses = try words.map { word in
                guard let status = TaskStatus(rawValue: String(word)), status != .deleted else {
                    throw FieldError.invalid("status", "status is open, done, missed or skipped")
                }
                return status
            }
        }
        if let text = value("priority") {
            guard let number = Int(text), let priority = Priority(rawValue: number) else {
                throw FieldError.invalid("priority", "priority is 1, 2 or 3")
            }
            query.priority = priority
        }
        for (name, keyPath) in [("due_from", \TaskQuery.dueFrom), ("due_to", \TaskQuery.dueBefore)] {
            guard let text = value(name) else { continue }
            guard let instant = JSON.date(text) else { throw FieldError.invalid(name, "\(name) is not an RFC 3339 instant") }
            query[keyPath: keyPath] = instant
        }
        query.text = value("q")
        if let sort = value("sort") {
            guard let parsed = TaskQuery.Sort(rawValue: sort) else {
                throw FieldError.invalid("sort", "sort is due, created, priority or number")
            }
            query.sort = parsed
        }
        if let order = value("order") {
            guard order == "asc" || order == "desc" else { throw FieldError.invalid("order", "order is asc or desc") }
            query.descending = order == "desc"
        }
        if let text = value("limit") {
            guard let limit = Int(text), (1...200).contains(limit) else { throw FieldError.invalid("limit", "limit is 1 to 200") }
            query.limit = limit
        }
        if let cursor = value("cursor") {
            guard let offset = PageCursor.offset(cursor, query: query) else {
                throw FieldError.invalid("cursor", "cursor does not belong to this query")
            }
            query.offset = offset
        }
        return query
    }

    /// One page of the person's tasks and the cursor of the next, `nil` on the last.
    func tasks(_ userID: UserID, _ query: TaskQuery) async throws -> (items: [TaskItem], nextCursor: String?) {
        let page = try await store.taskPage(userID: userID, query: query)
        let next = page.hasMore ? PageCursor.make(offset: query.offset + page.items.count, query: query) : nil
        return (page.items, next)
    }

    /// The person's task, or 404 (also for another person's task: it is not said to exist).
    func task(_ userID: UserID, id: Int64?) async throws -> TaskItem {
        guard let id, let task = try await store.task(userID: userID, id: TaskID(id)), task.status != .deleted else {
            throw FieldError.notFound
        }
        return task
    }

    /// Adds a task described in the SMS language: "call mom tomorrow 9am", "every weekday 7am stretch".
    func create(_ userID: UserID, text: String) async throws -> TaskItem {
        let now = clock.now()
        return try await add(userID, try draft(for: try await user(userID), text: text, now: now), now: now)
    }

    /// Reads a task in the SMS language in `user`'s zone (for their own list, or an assignment to them).
    func draft(for user: User, text: String, now: Date) throws -> TaskDraft {
        let zone = TimeZone(identifier: user.timeZoneID) ?? .gmt
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !words.isEmpty else { throw FieldError.missing("text", "text is empty: say what to do, and when") }
        let formatter = ReplyFormatter(zone: zone, now: now, helpContact: "")
        let morning =
            LocalTime(hour: user.settings.morningMinutes / 60, minute: user.settings.morningMinutes % 60)
            ?? LocalTime(hour: 9, minute: 0)!
        let context = ParseContext(now: now, zone: zone, morningTime: morning)
        let command = CommandParser().parse(words.lowercased().hasPrefix("add ") ? words : "add " + words, context: context)
        switch command {
        case .add(let request):
            let draft = CommandPlanner(formatter: formatter, now: now).draft(request)
            guard draft.title.count <= 500 else { throw FieldError.invalid("text", "the task's title is at most 500 characters") }
            return draft
        case .refused(let name, let error):
            throw FieldError(status: .badRequest, code: error.rawValue, message: formatter.refusal(name, error), field: "text")
        default:
            throw FieldError(status: .badRequest, code: "not_a_task", message: "text does not describe a task", field: "text")
        }
    }

    /// Adds a task from explicit fields. A due time reminds then unless `remindAt` says otherwise.
    func create(_ userID: UserID, fields: TaskFields) async throws -> TaskItem {
        let now = clock.now()
        return try await add(userID, try draft(for: try await user(userID), fields: fields, now: now), now: now)
    }

    /// A task from explicit fields, in `user`'s zone.
    func draft(for user: User, fields: TaskFields, now: Date) throws -> TaskDraft {
        guard let title = fields.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty else {
            throw FieldError.missing("title", "give text, or title with optional due_at")
        }
        guard title.count <= 500 else { throw FieldError.invalid("title", "title is at most 500 characters") }
        if let remind = fields.remindAt, remind <= now {
            throw FieldError(status: .badRequest, code: "past_date", message: "remind_at is in the past", field: "remind_at")
        }
        let remind = fields.remindAt ?? fields.dueAt.flatMap { $0 > now ? $0 : nil }
        return TaskDraft(
            title: title, priority: fields.priority, dueAt: fields.dueAt, remindAt: remind, timeZoneID: user.timeZoneID)
    }

    private func add(_ userID: UserID, _ draft: TaskDraft, now: Date) async throws -> TaskItem {
        let (outcome, scheduled) = try await store.applyChange(.addTask(draft), userID: userID, now: now)
        if scheduled { wakeup.signal() }
        guard case .added(let task, _) = outcome else {
            throw FieldError(status: .conflict, code: "not_added", message: "the task could not be added", field: nil)
        }
        return task
    }

    /// Changes an open task's title, times and priority. Every field is checked before any applies.
    func update(_ userID: UserID, id: Int64?, fields: TaskFields) async throws -> TaskItem {
        let title = fields.title?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let title, title.isEmpty || title.count > 500 { throw FieldError.invalid("title", "title is 1 to 500 characters") }
        let now = clock.now()
        if let remind = fields.remindAt, remind <= now {
            throw FieldError(status: .badRequest, code: "past_date", message: "remind_at is in the past", field: "remind_at")
        }
        let task = try await task(userID, id: id)
        guard task.status == .open else {
            throw FieldError(status: .conflict, code: "task_not_open", message: "only open tasks can be changed", field: "status")
        }
        if let title, title != task.title {
            _ = try await store.applyChange(.rename(number: task.number, title: title), userID: userID, now: now)
        }
        let (due, remind) = (fields.dueAt, fields.remindAt)
        if (due != nil && due != task.dueAt) || (remind != nil && remind != task.remindAt) {
            let newDue = due ?? task.dueAt ?? remind ?? now
            let newRemind = remind ?? (due.map { $0 > now ? $0 : nil } ?? task.remindAt)
            let (_, scheduled) = try await store.applyChange(
                .move(.numbers([task.number]), dueAt: newDue, remindAt: newRemind), userID: userID, now: now)
            if scheduled { wakeup.signal() }
        }
        if let priority = fields.priority, priority != task.priority {
            _ = try await store.setPriority(priority, taskID: task.id, userID: userID, now: now)
        } else if fields.clearsPriority, task.priority != nil {
            _ = try await store.setPriority(nil, taskID: task.id, userID: userID, now: now)
        }
        return try await self.task(userID, id: task.id.rawValue)
    }

    /// Marks a task done (a repeating one moves on to its next occurrence). Done already is fine.
    func complete(_ userID: UserID, id: Int64?) async throws -> TaskItem {
        let task = try await task(userID, id: id)
        if task.status == .open {
            let (_, scheduled) = try await store.applyChange(.complete(.numbers([task.number])), userID: userID, now: clock.now())
            if scheduled { wakeup.signal() }
        } else if task.status != .done {
            throw FieldError(
                status: .conflict, code: "task_not_open", message: "this task was \(task.status.rawValue)", field: "status")
        }
        return try await self.task(userID, id: task.id.rawValue)
    }

    /// Deletes an open task (this occurrence of a repeating one). Closed tasks stay as history: deleting
    /// one is a 409, so a 204 always means the task is gone.
    func delete(_ userID: UserID, id: Int64?) async throws {
        let task = try await task(userID, id: id)
        guard task.status == .open else {
            throw FieldError(
                status: .conflict, code: "task_not_open", message: "this task was \(task.status.rawValue) and stays as history",
                field: "status")
        }
        _ = try await store.applyChange(.delete(.numbers([task.number]), scope: .occurrence), userID: userID, now: clock.now())
    }
}
