import Foundation
import TaskPulseDomain

/// What `undo` puts back: the tasks as they were before the change, and the tasks the change created.
struct UndoPayload: Codable {
    struct Snapshot: Codable {
        var id: Int64
        var number: Int
        var title: String
        var status: String
        var dueAt: Double?
        var remindAt: Double?
        var completedAt: Double?
        var seriesID: Int64?
        var seriesActive: Bool?
    }

    var snapshots: [Snapshot]
    var created: [Int64]
}

/// One level of undo per person (DESIGN §2): add, done, delete, edit, snooze, skip.
extension ChangeApplier {
    func recordUndo(action: String, snapshots tasks: [TaskItem], created: [TaskID]) throws {
        var snapshots: [UndoPayload.Snapshot] = []
        for task in tasks {
            let active = try task.seriesID.flatMap { try Bool.fetchOne(db, sql: "SELECT active FROM series WHERE id = ?", arguments: [$0]) }
            snapshots.append(
                .init(
                    id: task.id.rawValue, number: task.number, title: task.title, status: task.status.rawValue,
                    dueAt: task.dueAt?.storageValue, remindAt: task.remindAt?.storageValue,
                    completedAt: task.completedAt?.storageValue, seriesID: task.seriesID, seriesActive: active))
        }
        let payload = UndoPayload(snapshots: snapshots, created: created.map(\.rawValue))
        let json = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO undo_entries (user_id, action, task_ids, payload, created_at) VALUES (?, ?, '', ?, ?)
                ON CONFLICT(user_id) DO UPDATE SET action = excluded.action, task_ids = '', payload = excluded.payload,
                    created_at = excluded.created_at
                """,
            arguments: [userID.rawValue, action, json, now.storageValue])
    }

    /// Adds tasks created by the same change (a next occurrence) to the undo entry just recorded.
    func appendCreatedToUndo(_ ids: [TaskID]) throws {
        guard !ids.isEmpty,
            let json = try String.fetchOne(db, sql: "SELECT payload FROM undo_entries WHERE user_id = ?", arguments: [userID.rawValue]),
            var payload = try? JSONDecoder().decode(UndoPayload.self, from: Data(json.utf8))
        else { return }
        payload.created += ids.map(\.rawValue)
        let updated = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        try db.execute(sql: "UPDATE undo_entries SET payload = ? WHERE user_id = ?", arguments: [updated, userID.rawValue])
    }

    mutating func undo() throws -> ChangeOutcome {
        guard let row = try SQLRow.fetchOne(
            db, sql: "SELECT action, payload FROM undo_entries WHERE user_id = ?", arguments: [userID.rawValue]),
            let json = row["payload"] as String?,
            let payload = try? JSONDecoder().decode(UndoPayload.self, from: Data(json.utf8))
        else { return .nothingToUndo }
        try db.execute(sql: "DELETE FROM undo_entries WHERE user_id = ?", arguments: [userID.rawValue])
        let action: String = row["action"]
        var removed: [TaskItem] = []
        for id in payload.created {
            guard let task = try StoreRows.fetchTask(db, id: TaskID(id)), task.userID == userID, task.status == .open
            else { continue }
            try db.execute(
                sql: "UPDATE tasks SET status = 'deleted', updated_at = ? WHERE id = ?",
                arguments: [now.storageValue, id])
            try cancelPendingDeliveries(taskID: task.id, reason: "undone")
            if action == "add", let seriesID = task.seriesID { try stopSeries(seriesID) }
            if action != "add", let seriesID = task.seriesID {
                try db.execute(sql: "UPDATE series SET occurrences = CASE WHEN occurrences > 0 THEN occurrences - 1 ELSE 0 END WHERE id = ?", arguments: [seriesID])
            }
            removed.append(task)
        }
        var restored: [TaskItem] = []
        for snapshot in payload.snapshots {
            guard let current = try StoreRows.fetchTask(db, id: TaskID(snapshot.id)), current.userID == userID else {
                continue
            }
            let number = current.status == .open ? current.number : try number(preferring: snapshot.number)
            try db.execute(
                sql: """
                    UPDATE tasks SET number = ?, title = ?, status = ?, due_at = ?, remind_at = ?, completed_at = ?,
                        updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    number, snapshot.title, snapshot.status, snapshot.dueAt, snapshot.remindAt, snapshot.completedAt,
                    now.storageValue, snapshot.id,
                ])
            if let seriesID = snapshot.seriesID, let active = snapshot.seriesActive {
                try db.execute(sql: "UPDATE series SET active = ?, title = ? WHERE id = ?", arguments: [active, snapshot.title, seriesID])
            }
            try cancelPendingDeliveries(taskID: current.id, reason: "undone")
            if snapshot.status == TaskStatus.open.rawValue, let remind = snapshot.remindAt.map(Date.init(storageValue:)),
                remind > now
            {
                try scheduleReminder(taskID: current.id, at: remind)
            }
            if let task = try StoreRows.fetchTask(db, id: current.id) {
                if task.status == .open { try watchOverdue(task) }
                restored.append(task)
            }
        }
        let verb: String
        switch action {
        case "add": verb = "removed"
        case "done": verb = "reopened"
        case "delete": verb = "restored"
        case "snooze": verb = "unsnoozed"
        case "skip": verb = "unskipped"
        default: verb = "reverted"
        }
        let subjects = action == "add" ? removed : restored
        guard !subjects.isEmpty else { return .nothingToUndo }
        return .undone(verb + " " + subjects.map { "#\($0.number) \($0.title)" }.joined(separator: ", "))
    }
}
