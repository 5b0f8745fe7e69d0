import Foundation
import TaskPulseDomain

extension SQLTaskStore {
    public func digestContent(userID: UserID, now: Date) async throws -> DigestContent {
        let calculator = self.calculator
        return try await read { db in
            guard let user = try StoreRows.fetchUser(db, id: userID) else { return DigestContent() }
            let today = calculator.localDayNumber(of: now, in: user.timeZoneID)
            let tomorrowStart = calculator.startOfLocalDay(today + 1, in: user.timeZoneID)
            let open = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT \(StoreRows.taskColumns), nudged_at FROM tasks
                    WHERE user_id = ? AND status = 'open' AND due_at IS NOT NULL AND due_at < ? ORDER BY due_at
                    """,
                arguments: [userID.rawValue, tomorrowStart.storageValue])
            var content = DigestContent()
            for row in open {
                let task = StoreRows.task(row)
                guard let due = task.dueAt else { continue }
                if due < now {
                    content.overdue.append(task)
                    if (row["nudged_at"] as Double?) == nil,
                        due.addingTimeInterval(DigestScheduler.nudgeGrace) <= now,
                        due >= now.addingTimeInterval(-DigestScheduler.newlyOverdueWindow)
                    {
                        content.newlyOverdue.append(task)
                    }
                } else {
                    content.dueToday.append(task)
                }
            }
            let weekAgo = now.addingTimeInterval(-7 * 86_400)
            let completed = try SQLRow.fetchAll(
                db,
                sql: "SELECT completed_at, due_at FROM tasks WHERE user_id = ? AND status = 'done' AND completed_at >= ?",
                arguments: [userID.rawValue, now.addingTimeInterval(-90 * 86_400).storageValue])
            var completionDays = Set<Int>()
            for row in completed {
                let completedAt = Date(storageValue: row["completed_at"])
                completionDays.insert(calculator.localDayNumber(of: completedAt, in: user.timeZoneID))
                guard completedAt >= weekAgo else { continue }
                content.completedThisWeek += 1
                if let due = row["due_at"] as Double?, completedAt <= Date(storageValue: due) {
                    content.completedOnTime += 1
                } else if row["due_at"] as Double? == nil {
                    content.completedOnTime += 1
                }
            }
            var day = completionDays.contains(today) ? today : today - 1
            while completionDays.contains(day) {
                content.streakDays += 1
                day -= 1
            }
            content.recentMotivationLines = Set(
                try Int.fetchAll(
                    db, sql: "SELECT line FROM motivation_history WHERE user_id = ? AND sent_at >= ?",
                    arguments: [userID.rawValue, now.addingTimeInterval(-30 * 86_400).storageValue]))
            return content
        }
    }
}
