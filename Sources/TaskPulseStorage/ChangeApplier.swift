import Foundation
import TaskPulseDomain

/// Applies one ``TaskChange`` inside an open write transaction.
///
/// The pieces live in extensions by concern: targets and tasks here, repeating series in
/// `+Series`, undo in `+Undo`, questions, reminder context and list pages in `+Conversation`,
/// settings in `+Settings`.
struct ChangeApplier {
    let db: SQLDatabase
    let userID: UserID
    let now: Date
    let calculator: any OccurrenceCalculating
    /// Set when the change wrote a pending delivery.
    var scheduledDelivery = false

    /// How long after a reminder a bare `done`/`snooze` still means that reminder's task.
    static let reminderReplyWindow: TimeInterval = 3600
    /// How long a question ("Which one?") waits for its answer.
    static let questionLifetime: TimeInterval = 1800

    init(db: SQLDatabase, userID: UserID, now: Date, calculator: any OccurrenceCalculating) {
        self.db = db
        self.userID = userID
        self.now = now
        self.calculator = calculator
    }

    mutating func apply(_ change: TaskChange) throws -> ChangeOutcome {
        switch change {
        case .addTask(let draft):
            let task = try draft.recurrence == nil ? insertTask(draft) : insertSeries(draft)
            try recordUndo(action: "add", snapshots: [], created: [task.id])
            return .added(task, upcoming: try upcomingOccurrences(of: task, count: 2))
        case .complete(let target):
            return try withTargets(target, action: "done") { applier, tasks, missing in
                try applier.complete(tasks, missing: missing)
            }
        case .delete(let target, let scope):
            return try withTargets(target, action: "delete") { applier, tasks, missing in
                try applier.delete(tasks, missing: missing, scope: scope)
            }
        case .snooze(let target, let seconds, let until):
            return try withTargets(target, action: "snooze") { applier, tasks, missing in
                let remindAt = until ?? applier.now.addingTimeInterval(TimeInterval(seconds ?? 900))
                try applier.recordUndo(action: "snooze", snapshots: tasks, created: [])
                for task in tasks { try applier.reschedule(task, dueAt: task.dueAt, remindAt: remindAt) }
                return .snoozed(try applier.reload(tasks), missing: missing)
            }
        case .move(let target, let dueAt, let remindAt):
            return try withTargets(target, action: "move") { applier, tasks, missing in
                try applier.recordUndo(action: "edit", snapshots: tasks, created: [])
                for task in tasks { try applier.reschedule(task, dueAt: dueAt, remindAt: remindAt) }
                return .moved(try applier.reload(tasks), missing: missing)
            }
        case .rename(let number, let title):
            let (found, _) = try openTasks(numbers: [number])
            guard let task = found.first else { return .renamed(nil) }
            try recordUndo(action: "edit", snapshots: [task], created: [])
            try db.execute(
                sql: "UPDATE tasks SET title = ?, updated_at = ? WHERE id = ?",
                arguments: [title, now.storageValue, task.id.rawValue])
            if let seriesID = task.seriesID {
                try db.execute(sql: "UPDATE series SET title = ? WHERE id = ?", arguments: [title, seriesID])
            }
            return .renamed(try StoreRows.fetchTask(db, id: task.id))
        case .skip(let target):
            return try withTargets(target, action: "skip") { applier, tasks, _ in
                guard let task = tasks.first else { return .noReminderContext }
                try applier.recordUndo(action: "skip", snapshots: [task], created: [])
                try applier.finish([task], status: .skipped)
                let next = try applier.ensureNextOccurrence(after: task)
                if let next { try applier.appendCreatedToUndo([next.id]) }
                return .skipped(try applier.reload([task])[0], next: next)
            }
        case .choose(let option):
            return try answerPendingQuestion(option)
        case .undo:
            return try undo()
        case .list(let query):
            return try list(query, offset: 0)
        case .listMore:
            return try listMore()
        case .settings(let settingsChange):
            return try applySettings(settingsChange)
        case .recentDeliveries:
            return .recentDeliveries(
                try SQLRow.fetchAll(
                    db,
                    sql: """
                        SELECT \(StoreRows.deliveryColumns) FROM deliveries
                        WHERE user_id = ? AND status IN ('sent', 'delivered', 'failed', 'dead', 'suppressed')
                        ORDER BY updated_at DESC LIMIT 5
                        """,
                    arguments: [userID.rawValue]
                ).map(StoreRows.delivery))
        case .optOut(let wording):
            let already = try StoreRows.fetchUser(db, id: userID)?.isOptedOut ?? false
            if !already {
                try db.execute(
                    sql: "UPDATE users SET opted_out_at = ? WHERE id = ?", arguments: [now.storageValue, userID.rawValue])
            }
            try recordConsent(kind: "opt_out", source: "sms", wording: wording)
            return .optedOut(wasAlreadyOptedOut: already)
        case .optIn(let wording):
            let wasOptedOut = try StoreRows.fetchUser(db, id: userID)?.isOptedOut ?? false
            try db.execute(sql: "UPDATE users SET opted_out_at = NULL WHERE id = ?", arguments: [userID.rawValue])
            try recordConsent(kind: "opt_in", source: "sms", wording: wording)
            return .optedIn(wasOptedOut: wasOptedOut)
        case .requestEmail(let address, let token):
            return try requestEmail(address, token: token)
        case .removeEmail:
            return try removeEmail()
        case .showEmail:
            return try emailStatus()
        case .setChannels(let kinds, let choice):
            return try setChannels(kinds, choice)
        case .partner(let partnerChange):
            var book = PartnerBook(db: db, userID: userID, now: now, calculator: calculator)
            let outcome = try book.apply(partnerChange)
            if book.scheduledDelivery { scheduledDelivery = true }
            return .partner(outcome)
        case .none:
            return .recorded
        }
    }

    // MARK: - Targets

    /// Resolves a target to open tasks and runs `body`, or explains why there is nothing to act on.
    /// A fragment matching several tasks remembers the question so a bare number answers it.
    mutating func withTargets(
        _ target: TaskTarget, action: String,
        _ body: (inout ChangeApplier, [TaskItem], [Int]) throws -> ChangeOutcome
    ) throws -> ChangeOutcome {
        switch target {
        case .numbers(let numbers):
            let (found, missing) = try openTasks(numbers: numbers)
            guard !found.isEmpty else { return try body(&self, [], missing) }
            return try body(&self, found, missing)
        case .query(let query):
            let needle = query.lowercased()
            let matches = try openTasks().filter { $0.title.lowercased().contains(needle) }
            guard !matches.isEmpty else { return .noMatch(query: query) }
            guard matches.count == 1 else {
                try askQuestion(kind: action, taskIDs: matches.prefix(9).map(\.id))
                return .ambiguous(query: query, matches: Array(matches.prefix(9)))
            }
            return try body(&self, matches, [])
        case .lastReminded:
            guard let task = try lastRemindedTask() else { return .noReminderContext }
            return try body(&self, [task], [])
        }
    }

    // MARK: - Tasks

    func openTasks() throws -> [TaskItem] {
        try SQLRow.fetchAll(
            db, sql: "SELECT \(StoreRows.taskColumns) FROM tasks WHERE user_id = ? AND status = 'open' ORDER BY number",
            arguments: [userID.rawValue]
        ).map(StoreRows.task)
    }

    func openTasks(numbers: [Int]) throws -> (found: [TaskItem], missing: [Int]) {
        var found: [TaskItem] = []
        var missing: [Int] = []
        var seen = Set<Int>()
        for number in numbers where seen.insert(number).inserted {
            let row = try SQLRow.fetchOne(
                db,
                sql: "SELECT \(StoreRows.taskColumns) FROM tasks WHERE user_id = ? AND number = ? AND status = 'open'",
                arguments: [userID.rawValue, number])
            if let row { found.append(StoreRows.task(row)) } else { missing.append(number) }
        }
        return (found, missing)
    }

    func reload(_ tasks: [TaskItem]) throws -> [TaskItem] {
        try tasks.compactMap { try StoreRows.fetchTask(db, id: $0.id) }
    }

    /// The lowest number not used by one of the person's open tasks.
    func freeNumber() throws -> Int {
        // In SQL, on the open-number index: 1 if free, else the lowest number whose successor is free.
        try Int.fetchOne(
            db,
            sql: """
                SELECT CASE
                    WHEN NOT EXISTS (SELECT 1 FROM tasks WHERE user_id = ? AND status = 'open' AND number = 1) THEN 1
                    ELSE (
                        SELECT MIN(t.number) + 1 FROM tasks t
                        WHERE t.user_id = ? AND t.status = 'open' AND NOT EXISTS (
                            SELECT 1 FROM tasks u WHERE u.user_id = t.user_id AND u.status = 'open' AND u.number = t.number + 1))
                END
                """,
            arguments: [userID.rawValue, userID.rawValue]) ?? 1
    }

    /// `preferred` when no open task uses it, else the lowest free number.
    func number(preferring preferred: Int?) throws -> Int {
        if let preferred {
            let taken = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM tasks WHERE user_id = ? AND number = ? AND status = 'open')",
                arguments: [userID.rawValue, preferred]) ?? false
            if !taken { return preferred }
        }
        return try freeNumber()
    }

    mutating func insertTask(_ draft: TaskDraft, seriesID: Int64? = nil, number preferred: Int? = nil) throws -> TaskItem {
        let number = try number(preferring: preferred)
        let id = TaskID(try db.insert(
            sql: """
                INSERT INTO tasks (user_id, number, title, status, priority, due_at, remind_at, time_zone, created_at,
                    updated_at, series_id, assigned_by)
                VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                userID.rawValue, number, draft.title, draft.priority?.rawValue, draft.dueAt?.storageValue,
                draft.remindAt?.storageValue, draft.timeZoneID, now.storageValue, now.storageValue, seriesID,
                draft.assignedBy?.rawValue,
            ]))
        if let remindAt = draft.remindAt { try scheduleReminder(taskID: id, at: remindAt) }
        guard let task = try StoreRows.fetchTask(db, id: id) else {
            throw StoreError.unavailable("task \(id) vanished after insert")
        }
        try watchOverdue(task)
        return task
    }

    /// Writes a reminder to the outbox in the caller's transaction (DESIGN §4).
    mutating func scheduleReminder(taskID: TaskID, at instant: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, task_id, kind, due_at, status, created_at, updated_at)
                VALUES (?, ?, 'reminder', ?, 'pending', ?, ?)
                """,
            arguments: [userID.rawValue, taskID.rawValue, instant.storageValue, now.storageValue, now.storageValue])
        scheduledDelivery = true
    }

    /// New due and reminder times for a task: its pending reminder is replaced, so the old time never fires.
    mutating func reschedule(_ task: TaskItem, dueAt: Date?, remindAt: Date?) throws {
        try db.execute(
            sql: "UPDATE tasks SET due_at = ?, remind_at = ?, nudged_at = NULL, updated_at = ? WHERE id = ?",
            arguments: [dueAt?.storageValue, remindAt?.storageValue, now.storageValue, task.id.rawValue])
        // The reminder and the partner's overdue alert move with the task; an assignment notice still goes.
        try cancelPendingDeliveries(taskID: task.id, reason: "rescheduled", kinds: "('reminder', 'partner_alert')")
        if let remindAt { try scheduleReminder(taskID: task.id, at: remindAt) }
        var moved = task
        moved.dueAt = dueAt
        try watchOverdue(moved)
    }

    /// Ends tasks (done, deleted, skipped, missed) and cancels their pending reminders.
    mutating func finish(_ tasks: [TaskItem], status: TaskStatus) throws {
        for task in tasks {
            try db.execute(
                sql: "UPDATE tasks SET status = ?, completed_at = ?, updated_at = ? WHERE id = ?",
                arguments: [
                    status.rawValue, status == .done ? now.storageValue : nil, now.storageValue, task.id.rawValue,
                ])
            try cancelPendingDeliveries(taskID: task.id, reason: "task \(status.rawValue)")
            if status == .done { try alertDone(task) }
        }
    }

    /// Cancels a task's waiting deliveries (all kinds, or those in the SQL list `kinds`).
    func cancelPendingDeliveries(taskID: TaskID, reason: String, kinds: String? = nil) throws {
        try db.execute(
            sql: """
                UPDATE deliveries SET status = 'canceled', error_message = ?, updated_at = ?
                WHERE task_id = ? AND status = 'pending'\(kinds.map { " AND kind IN \($0)" } ?? "")
                """,
            arguments: [reason, now.storageValue, taskID.rawValue])
    }

    private mutating func complete(_ tasks: [TaskItem], missing: [Int]) throws -> ChangeOutcome {
        guard !tasks.isEmpty else { return .completed([], missing: missing, next: []) }
        try recordUndo(action: "done", snapshots: tasks, created: [])
        try finish(tasks, status: .done)
        var next: [TaskItem] = []
        for task in tasks where task.seriesID != nil {
            if let created = try ensureNextOccurrence(after: task) { next.append(created) }
        }
        try appendCreatedToUndo(next.map(\.id))
        return .completed(try reload(tasks), missing: missing, next: next)
    }

    private mutating func delete(_ tasks: [TaskItem], missing: [Int], scope: DeleteScope?) throws -> ChangeOutcome {
        guard !tasks.isEmpty else { return .deleted([], missing: missing) }
        if scope == nil, tasks.count == 1, tasks[0].seriesID != nil {
            try askQuestion(kind: "delete-scope", taskIDs: [tasks[0].id])
            return .needsScope(tasks[0])
        }
        try recordUndo(action: "delete", snapshots: tasks, created: [])
        try finish(tasks, status: .deleted)
        var created: [TaskID] = []
        for task in tasks {
            guard let seriesID = task.seriesID else { continue }
            if scope == .series {
                try stopSeries(seriesID)
            } else if let next = try ensureNextOccurrence(after: task) {
                created.append(next.id)
            }
        }
        try appendCreatedToUndo(created)
        return .deleted(try reload(tasks), missing: missing)
    }

    func recordConsent(kind: String, source: String, wording: String) throws {
        guard let phone = try String.fetchOne(db, sql: "SELECT phone FROM users WHERE id = ?", arguments: [userID.rawValue])
        else { return }
        try db.execute(
            sql: "INSERT INTO consent_events (phone, kind, source, wording, at) VALUES (?, ?, ?, ?, ?)",
            arguments: [phone, kind, source, wording, now.storageValue])
    }
}
