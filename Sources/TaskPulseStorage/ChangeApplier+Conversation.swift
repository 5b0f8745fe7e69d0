import Foundation
import TaskPulseDomain

/// Conversation state: the last reminder (so "done" right after it acts on it), a pending question
/// ("Which one?", "this one or all?") and the position in a paged list.
extension ChangeApplier {
    static let listPageSize = 8

    private func ensureStateRow() throws {
        try db.execute(
            sql: "INSERT INTO conversation_state (user_id) VALUES (?) ON CONFLICT(user_id) DO NOTHING",
            arguments: [userID.rawValue])
    }

    /// The task of the last reminder sent within the reply window, if it is still open.
    func lastRemindedTask() throws -> TaskItem? {
        guard let row = try SQLRow.fetchOne(
            db, sql: "SELECT last_reminded_task_id, last_reminded_at FROM conversation_state WHERE user_id = ?",
            arguments: [userID.rawValue]),
            let id = row["last_reminded_task_id"] as Int64?, let at = row["last_reminded_at"] as Double?,
            now.timeIntervalSince(Date(storageValue: at)) <= ChangeApplier.reminderReplyWindow,
            let task = try StoreRows.fetchTask(db, id: TaskID(id)), task.userID == userID
        else { return nil }
        if task.status == .open { return task }
        // A repeating task's reminded occurrence was done or skipped: its successor is the one meant.
        guard let seriesID = task.seriesID else { return nil }
        return try SQLRow.fetchOne(
            db,
            sql: "SELECT \(StoreRows.taskColumns) FROM tasks WHERE series_id = ? AND status = 'open' ORDER BY due_at LIMIT 1",
            arguments: [seriesID]
        ).map(StoreRows.task)
    }

    func askQuestion(kind: String, taskIDs: [TaskID]) throws {
        try ensureStateRow()
        try db.execute(
            sql: """
                UPDATE conversation_state SET pending_kind = ?, pending_task_ids = ?, pending_expires_at = ?
                WHERE user_id = ?
                """,
            arguments: [
                kind, taskIDs.map(\.description).joined(separator: ","),
                now.addingTimeInterval(ChangeApplier.questionLifetime).storageValue, userID.rawValue,
            ])
    }

    private func clearQuestion() throws {
        try db.execute(
            sql: "UPDATE conversation_state SET pending_kind = NULL, pending_task_ids = NULL WHERE user_id = ?",
            arguments: [userID.rawValue])
    }

    /// A bare number (or "this"/"all") answering the remembered question.
    mutating func answerPendingQuestion(_ option: Int) throws -> ChangeOutcome {
        guard let row = try SQLRow.fetchOne(
            db, sql: "SELECT pending_kind, pending_task_ids, pending_expires_at FROM conversation_state WHERE user_id = ?",
            arguments: [userID.rawValue]),
            let kind = row["pending_kind"] as String?, let ids = row["pending_task_ids"] as String?,
            let expires = row["pending_expires_at"] as Double?, Date(storageValue: expires) > now
        else { return .noPendingQuestion }
        let taskIDs = ids.split(separator: ",").compactMap { Int64($0) }.map(TaskID.init)
        try clearQuestion()
        if kind == "delete-scope" {
            guard let id = taskIDs.first, let task = try StoreRows.fetchTask(db, id: id), task.status == .open,
                option == 1 || option == 2
            else { return .noPendingQuestion }
            return try apply(.delete(.numbers([task.number]), scope: option == 1 ? .occurrence : .series))
        }
        guard option >= 1, option <= taskIDs.count, let task = try StoreRows.fetchTask(db, id: taskIDs[option - 1]),
            task.status == .open, task.userID == userID
        else { return .noPendingQuestion }
        switch kind {
        case "done": return try apply(.complete(.numbers([task.number])))
        case "delete": return try apply(.delete(.numbers([task.number]), scope: nil))
        case "skip": return try apply(.skip(.numbers([task.number])))
        default: return .noPendingQuestion
        }
    }

    // MARK: - Lists

    mutating func list(_ query: ListQuery, offset: Int) throws -> ChangeOutcome {
        // Count them all, read one page: a person with 1,000 open tasks costs one page of rows.
        let (total, page) = try tasks(matching: query, offset: offset, limit: ChangeApplier.listPageSize)
        try ensureStateRow()
        let json = String(decoding: try JSONEncoder().encode(query), as: UTF8.self)
        try db.execute(
            sql: "UPDATE conversation_state SET list_query = ?, list_offset = ? WHERE user_id = ?",
            arguments: [json, offset + page.count, userID.rawValue])
        return .listed(page: page, total: total, offset: offset, view: query.view)
    }

    mutating func listMore() throws -> ChangeOutcome {
        guard let row = try SQLRow.fetchOne(
            db, sql: "SELECT list_query, list_offset FROM conversation_state WHERE user_id = ?", arguments: [userID.rawValue]),
            let json = row["list_query"] as String?,
            let query = try? JSONDecoder().decode(ListQuery.self, from: Data(json.utf8))
        else { return try list(ListQuery(view: "all"), offset: 0) }
        return try list(query, offset: (row["list_offset"] as Int?) ?? 0)
    }

    /// How many tasks match `query`, and the `limit` of them from `offset` on, in list order.
    private func tasks(matching query: ListQuery, offset: Int, limit: Int) throws -> (total: Int, page: [TaskItem]) {
        if query.doneOnly {
            // The 50 most recently done ones are the list.
            let recent = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT \(StoreRows.taskColumns) FROM tasks WHERE user_id = ? AND status = 'done'
                    ORDER BY completed_at DESC LIMIT 50
                    """,
                arguments: [userID.rawValue]
            ).map(StoreRows.task)
            return (recent.count, Array(recent.dropFirst(offset).prefix(limit)))
        }
        var filter = "FROM tasks WHERE user_id = ? AND status = 'open'"
        var arguments: [(any SQLValueConvertible)?] = [userID.rawValue]
        if let from = query.dueFrom {
            filter += " AND due_at >= ?"
            arguments.append(from.storageValue)
        }
        if let before = query.dueBefore {
            filter += " AND due_at < ?"
            arguments.append(before.storageValue)
        }
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + filter, arguments: SQLArguments(arguments)) ?? 0
        guard offset < total else { return (total, []) }
        // Dated tasks by time, then undated ones by number.
        let page = try SQLRow.fetchAll(
            db, sql: "SELECT \(StoreRows.taskColumns) " + filter + " ORDER BY due_at IS NULL, due_at, number LIMIT ? OFFSET ?",
            arguments: SQLArguments(arguments + [limit, offset])
        ).map(StoreRows.task)
        return (total, page)
    }
}
