import Foundation
import TaskPulseDomain

extension ChangeApplier {
    mutating func applySettings(_ change: SettingsChange) throws -> ChangeOutcome {
        var moved = 0
        switch change {
        case .timeZone(let zone):
            guard let user = try StoreRows.fetchUser(db, id: userID) else { return .recorded }
            if user.timeZoneID != zone { moved = try moveWallTimes(from: user.timeZoneID, to: zone) }
            try db.execute(sql: "UPDATE users SET time_zone = ? WHERE id = ?", arguments: [zone, userID.rawValue])
        case .quiet(let start, let end):
            try db.execute(
                sql: "UPDATE users SET quiet_start_minutes = ?, quiet_end_minutes = ? WHERE id = ?",
                arguments: [start, end, userID.rawValue])
        case .morning(let minutes, let enabled):
            try update("morning_minutes", minutes, "morning_enabled", enabled)
        case .evening(let minutes, let enabled):
            try update("evening_minutes", minutes, "motivation_enabled", enabled)
        case .weekly(let enabled):
            try db.execute(sql: "UPDATE users SET weekly_enabled = ? WHERE id = ?", arguments: [enabled, userID.rawValue])
        }
        guard let user = try StoreRows.fetchUser(db, id: userID) else { return .recorded }
        let kinds: [DeliveryKind] = switch change {
        case .timeZone, .quiet: [.agenda, .motivation, .weekly, .nudge]
        case .morning: [.agenda]
        case .evening: [.motivation]
        case .weekly: [.weekly]
        }
        try DigestScheduler(db: db, now: now, calculator: calculator).reschedule(kinds, for: user)
        return .settingsChanged(user, movedTasks: moved)
    }

    private func update(_ timeColumn: String, _ minutes: Int?, _ flagColumn: String, _ enabled: Bool?) throws {
        if let minutes {
            try db.execute(sql: "UPDATE users SET \(timeColumn) = ? WHERE id = ?", arguments: [minutes, userID.rawValue])
        }
        if let enabled {
            try db.execute(sql: "UPDATE users SET \(flagColumn) = ? WHERE id = ?", arguments: [enabled, userID.rawValue])
        }
    }

    /// A new zone keeps the wall-clock times people said (DESIGN §3): upcoming tasks and repeating series
    /// in the old zone move to the same local times in the new one, with their reminders.
    private mutating func moveWallTimes(from oldZone: String, to newZone: String) throws -> Int {
        let upcoming = try SQLRow.fetchAll(
            db,
            sql: """
                SELECT \(StoreRows.taskColumns) FROM tasks
                WHERE user_id = ? AND status = 'open' AND time_zone = ? AND (due_at > ? OR remind_at > ?)
                """,
            arguments: [userID.rawValue, oldZone, now.storageValue, now.storageValue]
        ).map(StoreRows.task)
        for task in upcoming {
            let due = task.dueAt.map { calculator.sameWallTime(as: $0, from: oldZone, to: newZone) }
            let remind = task.remindAt.map { calculator.sameWallTime(as: $0, from: oldZone, to: newZone) }
            try db.execute(sql: "UPDATE tasks SET time_zone = ? WHERE id = ?", arguments: [newZone, task.id.rawValue])
            try reschedule(task, dueAt: due, remindAt: remind.flatMap { $0 > now ? $0 : nil })
        }
        try db.execute(
            sql: "UPDATE series SET time_zone = ? WHERE user_id = ? AND time_zone = ? AND active = 1",
            arguments: [newZone, userID.rawValue, oldZone])
        return upcoming.count
    }
}
