import Foundation
import GRDB
import TaskPulseDomain

/// Applies one ``TaskChange`` inside an open SQLite write transaction.
struct SQLiteChangeApplier {
    let db: Database
    let userID: UserID
    let now: Date
    /// Set when the change wrote a pending delivery.
    private(set) var scheduledDelivery = false

    init(db: Database, userID: UserID, now: Date) {
        self.db = db
        self.userID = userID
        self.now = now
    }

    mutating func apply(_ change: TaskChange) throws -> ChangeOutcome {
        switch change {
        case .addTask(let draft):
            let task = try insertTask(draft)
            try recordUndo(action: "add", taskIDs: [task.id])
            return .added(task)
        case .completeNumbers(let numbers):
            let (found, missing) = try openTasks(numbers: numbers)
            try finish(found, status: .done)
            return .completed(try reload(found), missing: missing)
        case .deleteNumbers(let numbers):
            let (found, missing) = try openTasks(numbers: numbers)
            try finish(found, status: .deleted)
            return .deleted(try reload(found), missing: missing)
        case .completeMatching(let query), .deleteMatching(let query):
            let matches = try openTasks().filter { $0.title.lowercased().contains(query.lowercased()) }
            guard !matches.isEmpty else { return .noMatch(query: query) }
            guard matches.count == 1 else { return .ambiguous(query: query, matches: matches) }
            if case .completeMatching = change {
                try finish(matches, status: .done)
                return .completed(try reload(matches), missing: [])
            }
            try finish(matches, status: .deleted)
            return .deleted(try reload(matches), missing: [])
        case .undo:
            return try undo()
        case .list(let doneOnly):
            if doneOnly {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(SQLiteRows.taskColumns) FROM tasks WHERE user_id = ? AND status = 'done'
                        ORDER BY completed_at DESC LIMIT 10
                        """,
                    arguments: [userID.rawValue])
                return .listed(rows.map(SQLiteRows.task))
            }
            return .listed(try openTasks())
        case .optOut(let wording):
            let user = try SQLiteRows.fetchUser(db, id: userID)
            let already = user?.isOptedOut ?? false
            if !already {
                try db.execute(
                    sql: "UPDATE users SET opted_out_at = ? WHERE id = ?",
                    arguments: [now.storageValue, userID.rawValue])
            }
            try recordConsent(kind: "opt_out", source: "sms", wording: wording)
            return .optedOut(wasAlreadyOptedOut: already)
        case .optIn(let wording):
            let user = try SQLiteRows.fetchUser(db, id: userID)
            let wasOptedOut = user?.isOptedOut ?? false
            try db.execute(sql: "UPDATE users SET opted_out_at = NULL WHERE id = ?", arguments: [userID.rawValue])
            try recordConsent(kind: "opt_in", source: "sms", wording: wording)
            return .optedIn(wasOptedOut: wasOptedOut)
        case .none:
            return .recorded
        }
    }

    // MARK: - Tasks

    private func openTasks() throws -> [TaskItem] {
        try Row.fetchAll(
            db,
            sql: "SELECT \(SQLiteRows.taskColumns) FROM tasks WHERE user_id = ? AND status = 'open' ORDER BY number",
            arguments: [userID.rawValue]
        ).map(SQLiteRows.task)
    }

    private func openTasks(numbers: [Int]) throws -> (found: [TaskItem], missing: [Int]) {
        var found: [TaskItem] = []
        var missing: [Int] = []
        var seen = Set<Int>()
        for number in numbers where seen.insert(number).inserted {
            let row = try Row.fetchOne(
                db,
                sql: "SELECT \(SQLiteRows.taskColumns) FROM tasks WHERE user_id = ? AND number = ? AND status = 'open'",
                arguments: [userID.rawValue, number])
            if let row { found.append(SQLiteRows.task(row)) } else { missing.append(number) }
        }
        return (found, missing)
    }

    private func reload(_ tasks: [TaskItem]) throws -> [TaskItem] {
        try tasks.compactMap { try SQLiteRows.fetchTask(db, id: $0.id) }
    }

    /// The lowest number not used by one of the person's open tasks.
    private func freeNumber() throws -> Int {
        let used = try Int.fetchAll(
            db, sql: "SELECT number FROM tasks WHERE user_id = ? AND status = 'open' ORDER BY number",
            arguments: [userID.rawValue])
        var candidate = 1
        for number in used {
            if number == candidate { candidate += 1 } else if number > candidate { break }
        }
        return candidate
    }

    private mutating func insertTask(_ draft: TaskDraft) throws -> TaskItem {
        let number = try freeNumber()
        try db.execute(
            sql: """
                INSERT INTO tasks (user_id, number, title, status, priority, due_at, remind_at, time_zone, created_at, updated_at)
                VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                userID.rawValue, number, draft.title, draft.priority?.rawValue, draft.dueAt?.storageValue,
                draft.remindAt?.storageValue, draft.timeZoneID, now.storageValue, now.storageValue,
            ])
        let id = TaskID(db.lastInsertedRowID)
        if let remindAt = draft.remindAt { try scheduleReminder(taskID: id, at: remindAt) }
        guard let task = try SQLiteRows.fetchTask(db, id: id) else {
            throw StoreError.unavailable("task \(id) vanished after insert")
        }
        return task
    }

    /// Writes the reminder to the outbox in the caller's transaction (DESIGN §4).
    private mutating func scheduleReminder(taskID: TaskID, at instant: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, task_id, kind, due_at, status, created_at, updated_at)
                VALUES (?, ?, 'reminder', ?, 'pending', ?, ?)
                """,
            arguments: [userID.rawValue, taskID.rawValue, instant.storageValue, now.storageValue, now.storageValue])
        scheduledDelivery = true
    }

    /// Completes or deletes tasks and cancels their pending reminders.
    private func finish(_ tasks: [TaskItem], status: TaskStatus) throws {
        guard !tasks.isEmpty else { return }
        for task in tasks {
            try db.execute(
                sql: "UPDATE tasks SET status = ?, completed_at = ?, updated_at = ? WHERE id = ?",
                arguments: [
                    status.rawValue, status == .done ? now.storageValue : nil, now.storageValue, task.id.rawValue,
                ])
            try cancelPendingDeliveries(taskID: task.id, reason: status == .done ? "task completed" : "task deleted")
        }
        try recordUndo(action: status == .done ? "done" : "delete", taskIDs: tasks.map(\.id))
    }

    private func cancelPendingDeliveries(taskID: TaskID, reason: String) throws {
        try db.execute(
            sql: """
                UPDATE deliveries SET status = 'canceled', error_message = ?, updated_at = ?
                WHERE task_id = ? AND status = 'pending'
                """,
            arguments: [reason, now.storageValue, taskID.rawValue])
    }

    // MARK: - Undo

    private func recordUndo(action: String, taskIDs: [TaskID]) throws {
        try db.execute(
            sql: """
                INSERT INTO undo_entries (user_id, action, task_ids, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(user_id) DO UPDATE SET action = excluded.action, task_ids = excluded.task_ids,
                    created_at = excluded.created_at
                """,
            arguments: [userID.rawValue, action, taskIDs.map(\.description).joined(separator: ","), now.storageValue])
    }

    private mutating func undo() throws -> ChangeOutcome {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT action, task_ids FROM undo_entries WHERE user_id = ?", arguments: [userID.rawValue])
        else { return .nothingToUndo }
        try db.execute(sql: "DELETE FROM undo_entries WHERE user_id = ?", arguments: [userID.rawValue])
        let action: String = row["action"]
        let ids = (row["task_ids"] as String).split(separator: ",").compactMap { Int64($0) }.map(TaskID.init)
        let tasks = try ids.compactMap { try SQLiteRows.fetchTask(db, id: $0) }.filter { $0.userID == userID }
        guard !tasks.isEmpty else { return .nothingToUndo }
        switch action {
        case "add":
            let added = tasks.filter { $0.status == .open }
            for task in added {
                try db.execute(
                    sql: "UPDATE tasks SET status = 'deleted', updated_at = ? WHERE id = ?",
                    arguments: [now.storageValue, task.id.rawValue])
                try cancelPendingDeliveries(taskID: task.id, reason: "add undone")
            }
            return .undone("removed " + describe(added))
        default:
            var reopened: [TaskItem] = []
            for task in tasks where task.status != .open {
                reopened.append(try reopen(task))
            }
            return .undone((action == "done" ? "reopened " : "restored ") + describe(reopened))
        }
    }

    /// Reopens a done or deleted task, keeping its number when still free, and re-arms a future reminder.
    private mutating func reopen(_ task: TaskItem) throws -> TaskItem {
        let taken =
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM tasks WHERE user_id = ? AND number = ? AND status = 'open')",
                arguments: [userID.rawValue, task.number]) ?? false
        let number = taken ? try freeNumber() : task.number
        try db.execute(
            sql: "UPDATE tasks SET status = 'open', number = ?, completed_at = NULL, updated_at = ? WHERE id = ?",
            arguments: [number, now.storageValue, task.id.rawValue])
        if let remindAt = task.remindAt, remindAt > now {
            let hasPending =
                try Bool.fetchOne(
                    db,
                    sql:
                        "SELECT EXISTS (SELECT 1 FROM deliveries WHERE task_id = ? AND status IN ('pending', 'sending'))",
                    arguments: [task.id.rawValue]) ?? false
            if !hasPending { try scheduleReminder(taskID: task.id, at: remindAt) }
        }
        return try SQLiteRows.fetchTask(db, id: task.id) ?? task
    }

    private func describe(_ tasks: [TaskItem]) -> String {
        tasks.map { "#\($0.number) \($0.title)" }.joined(separator: ", ")
    }

    private func recordConsent(kind: String, source: String, wording: String) throws {
        guard
            let phone = try String.fetchOne(
                db, sql: "SELECT phone FROM users WHERE id = ?", arguments: [userID.rawValue])
        else { return }
        try db.execute(
            sql: "INSERT INTO consent_events (phone, kind, source, wording, at) VALUES (?, ?, ?, ?, ?)",
            arguments: [phone, kind, source, wording, now.storageValue])
    }
}
