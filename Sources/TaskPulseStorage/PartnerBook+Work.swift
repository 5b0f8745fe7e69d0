import Foundation
import TaskPulseDomain

/// Assignments, progress, messages to students and the partner's switches. A partner sees only the tasks
/// they assigned to a student they are actively linked with, never the student's own tasks.
extension PartnerBook {
    mutating func assign(_ reference: StudentReference, _ draft: TaskDraft) throws -> PartnerOutcome {
        guard let link = try liveLink(reference) else { return .noSuchStudent(Self.describe(reference)) }
        guard link.status == .active, let studentID = link.studentID,
            let student = try StoreRows.fetchUser(db, id: studentID)
        else { return .notYetAccepted(link) }
        var assigned = draft
        assigned.assignedBy = userID
        // The student's list and numbers are theirs: wait for their lock as their own texts do.
        try db.lockPerson(studentID)
        var applier = ChangeApplier(db: db, userID: studentID, now: now, calculator: calculator)
        let task = try assigned.recurrence == nil ? applier.insertTask(assigned) : applier.insertSeries(assigned)
        try writeDelivery(to: studentID, kind: .assignment, taskID: task.id, payload: PartnerPayload(link: link.id), at: now)
        let digests = DigestScheduler(db: db, now: now, calculator: calculator)
        try digests.ensureScheduled(student)
        try digests.refreshNudge(for: student)
        return .assigned(link, task, studentZoneID: student.timeZoneID)
    }

    /// Live links (and those that ended in the last week), with progress for the active ones.
    func studentStatuses() throws -> [StudentStatus] {
        try expireInvitations(condition: "partner_id = ?", userID.rawValue)
        let recent = now.addingTimeInterval(-7 * 86_400).storageValue
        let links = try links(
            where: """
                l.partner_id = ? AND (l.status IN ('pending', 'active')
                    OR COALESCE(l.ended_at, l.responded_at, l.expires_at) > ?)
                AND l.id IN (SELECT MAX(id) FROM partner_links WHERE partner_id = ? GROUP BY student_phone)
                ORDER BY CASE l.status WHEN 'active' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, lower(l.student_name)
                """,
            [userID.rawValue, recent, userID.rawValue])
        return try links.map(status)
    }

    func status(_ link: PartnerLink) throws -> StudentStatus {
        guard link.status == .active, let studentID = link.studentID else {
            return StudentStatus(link: link, timeZoneID: nil, progress: StudentProgress())
        }
        let zone = try String.fetchOne(db, sql: "SELECT time_zone FROM users WHERE id = ?", arguments: [studentID.rawValue])
        return StudentStatus(link: link, timeZoneID: zone, progress: try Self.progress(db, student: studentID, partner: userID, now: now))
    }

    /// Counts over the tasks `partner` assigned to `student`.
    static func progress(_ db: SQLDatabase, student: UserID, partner: UserID, now: Date) throws -> StudentProgress {
        let weekAgo = now.addingTimeInterval(-7 * 86_400).storageValue
        guard let row = try SQLRow.fetchOne(
            db,
            sql: """
                SELECT
                    SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open,
                    SUM(CASE WHEN status = 'open' AND due_at IS NOT NULL AND due_at < ? THEN 1 ELSE 0 END) AS overdue,
                    SUM(CASE WHEN status = 'done' AND completed_at > ? THEN 1 ELSE 0 END) AS done_week,
                    SUM(CASE WHEN status = 'done' AND completed_at > ? AND (due_at IS NULL OR completed_at <= due_at)
                        THEN 1 ELSE 0 END) AS on_time,
                    SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done_total
                FROM tasks WHERE user_id = ? AND assigned_by = ?
                """,
            arguments: [now.storageValue, weekAgo, weekAgo, student.rawValue, partner.rawValue])
        else { return StudentProgress() }
        let next = try SQLRow.fetchOne(
            db,
            sql: """
                SELECT \(StoreRows.taskColumns) FROM tasks
                WHERE user_id = ? AND assigned_by = ? AND status = 'open' AND due_at IS NOT NULL AND due_at >= ?
                ORDER BY due_at LIMIT 1
                """,
            arguments: [student.rawValue, partner.rawValue, now.storageValue]
        ).map(StoreRows.task)
        return StudentProgress(
            open: row["open"] ?? 0, overdue: row["overdue"] ?? 0, doneThisWeek: row["done_week"] ?? 0,
            doneOnTimeThisWeek: row["on_time"] ?? 0, doneTotal: row["done_total"] ?? 0, nextDue: next)
    }

    /// The tasks this partner assigned to the student: open ones by due time, then those done in the last week.
    static func assignedTasks(_ db: SQLDatabase, student: UserID, partner: UserID, now: Date, limit: Int = 200) throws
        -> [TaskItem]
    {
        try SQLRow.fetchAll(
            db,
            sql: """
                SELECT \(StoreRows.taskColumns) FROM tasks
                WHERE user_id = ? AND assigned_by = ? AND (status = 'open' OR (status = 'done' AND completed_at > ?))
                ORDER BY status = 'done', COALESCE(due_at, 1e12), id LIMIT ?
                """,
            arguments: [student.rawValue, partner.rawValue, now.addingTimeInterval(-7 * 86_400).storageValue, limit]
        ).map(StoreRows.task)
    }

    mutating func progress(_ reference: StudentReference?) throws -> PartnerOutcome {
        let link: PartnerLink
        if let reference {
            guard let found = try liveLink(reference) else { return .noSuchStudent(Self.describe(reference)) }
            link = found
        } else {
            let active = try studentStatuses().filter { $0.link.status == .active }
            guard active.count == 1 else { return .students(try studentStatuses()) }
            link = active[0].link
        }
        guard link.status == .active, let student = link.studentID else { return .notYetAccepted(link) }
        return .progress(try status(link), assigned: try Self.assignedTasks(db, student: student, partner: userID, now: now))
    }

    mutating func tell(_ recipients: MessageRecipients, text: String, spacing: TimeInterval) throws -> PartnerOutcome {
        let sentToday = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM partner_broadcasts WHERE partner_id = ? AND created_at > ?",
            arguments: [userID.rawValue, now.addingTimeInterval(-86_400).storageValue]) ?? 0
        if sentToday >= PartnerLimits.messagesPerDay { return .tellLimit(perDay: PartnerLimits.messagesPerDay) }
        var targets: [(PartnerLink?, String)] = []
        switch recipients {
        case .all:
            try expireInvitations(condition: "partner_id = ?", userID.rawValue)
            targets = try links(
                where: "l.partner_id = ? AND l.status = 'active' ORDER BY lower(l.student_name)", [userID.rawValue]
            ).map { ($0, $0.studentName) }
        case .students(let references):
            for reference in references { targets.append((try liveLink(reference), Self.describe(reference))) }
        }
        var results: [MessageRecipient] = []
        var queued = 0
        var seen = Set<Int64>()
        for (link, reference) in targets {
            guard let link else {
                results.append(MessageRecipient(link: nil, student: nil, outcome: .unknown(reference)))
                continue
            }
            guard seen.insert(link.id).inserted else { continue }
            guard link.status == .active, let studentID = link.studentID,
                let student = try StoreRows.fetchUser(db, id: studentID)
            else {
                results.append(MessageRecipient(link: link, student: nil, outcome: .notLinked))
                continue
            }
            if student.isOptedOut || student.numberInvalidAt != nil {
                results.append(MessageRecipient(link: link, student: student, outcome: .optedOut))
                continue
            }
            // Spaced at the sender's rate so one broadcast never floods the number's queue.
            let due = now.addingTimeInterval(spacing * Double(queued))
            try writeDelivery(to: studentID, kind: .partnerMessage, taskID: nil, payload: PartnerPayload(link: link.id, text: text), at: due)
            queued += 1
            results.append(MessageRecipient(link: link, student: student, outcome: .queued(at: due)))
        }
        if queued > 0 {
            try db.execute(
                sql: "INSERT INTO partner_broadcasts (partner_id, body, recipients, created_at) VALUES (?, ?, ?, ?)",
                arguments: [userID.rawValue, text, queued, now.storageValue])
        }
        return .told(results)
    }

    mutating func alerts(done: Bool?, overdue: Bool?, weekly: Bool?) throws -> PartnerOutcome {
        try db.execute(
            sql: """
                UPDATE users SET partner_done_alerts = COALESCE(?, partner_done_alerts),
                    partner_overdue_alerts = COALESCE(?, partner_overdue_alerts),
                    partner_weekly_enabled = COALESCE(?, partner_weekly_enabled)
                WHERE id = ?
                """,
            arguments: [done, overdue, weekly, userID.rawValue])
        let partner = try actor()
        if weekly != nil {
            try DigestScheduler(db: db, now: now, calculator: calculator).reschedule([.partnerWeekly], for: partner)
        }
        return .alerts(partner.partnerAlerts)
    }

    static func describe(_ reference: StudentReference) -> String {
        switch reference {
        case .name(let name): name
        case .link(let id): String(id)
        }
    }
}

extension ChangeApplier {
    /// The partner's alert that an assigned task is overdue, due when it becomes so (written with the task,
    /// moved with it, canceled when it is done or deleted).
    mutating func watchOverdue(_ task: TaskItem) throws {
        guard let partner = task.assignedBy, let due = task.dueAt,
            let link = try activeLinkID(partner: partner, student: task.userID)
        else { return }
        try insertPartnerAlert(to: partner, task: task, payload: PartnerPayload(link: link, event: "overdue"),
            at: due.addingTimeInterval(PartnerLimits.overdueGrace))
    }

    /// The partner's alert that a student finished an assigned task.
    mutating func alertDone(_ task: TaskItem) throws {
        guard let partner = task.assignedBy,
            let link = try activeLinkID(partner: partner, student: task.userID)
        else { return }
        try insertPartnerAlert(to: partner, task: task, payload: PartnerPayload(link: link, event: "done"), at: now)
    }

    /// The active link between a partner and the student who owns a task, if there is one.
    private func activeLinkID(partner: UserID, student: UserID) throws -> Int64? {
        try Int64.fetchOne(
            db,
            sql: """
                SELECT l.id FROM partner_links l JOIN users s ON s.phone = l.student_phone
                WHERE l.partner_id = ? AND s.id = ? AND l.status = 'active' ORDER BY l.id DESC LIMIT 1
                """,
            arguments: [partner.rawValue, student.rawValue])
    }

    private mutating func insertPartnerAlert(to partner: UserID, task: TaskItem, payload: PartnerPayload, at due: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, task_id, kind, channel, payload, due_at, status, created_at, updated_at)
                VALUES (?, ?, 'partner_alert', 'sms', ?, ?, 'pending', ?, ?)
                """,
            arguments: [
                partner.rawValue, task.id.rawValue, payload.encoded(), due.storageValue, now.storageValue,
                now.storageValue,
            ])
        scheduledDelivery = true
    }
}
