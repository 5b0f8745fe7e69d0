import Foundation
import TaskPulseDomain

/// Partners and students (issue 7) inside an open write transaction: invitations and consent,
/// assignment, progress, messages to students. The acting person is `userID`.
///
/// Consent rules (DESIGN §3, sms-rules.md §2): a link is keyed by the student's number; before that
/// number answers YES nothing from the partner reaches it but the one consent request; NO, a student's
/// unlink and expiry are final for the invitation, and NO or a student's unlink keep the partner from
/// inviting the number again for 30 days; BLOCK keeps them out for good.
struct PartnerBook {
    let db: SQLDatabase
    let userID: UserID
    let now: Date
    let calculator: any OccurrenceCalculating
    /// Set when the change wrote a pending delivery.
    var scheduledDelivery = false

    static let linkColumns = """
        l.id, l.partner_id, l.student_phone, l.student_name, l.status, l.invited_at, l.expires_at, l.responded_at,
        l.ended_at, l.ended_by, p.display_name AS partner_display_name, p.phone AS partner_phone, s.id AS student_id
        """
    static let linkJoins = """
        partner_links l JOIN users p ON p.id = l.partner_id LEFT JOIN users s ON s.phone = l.student_phone
        """

    static func link(_ row: SQLRow) -> PartnerLink? {
        guard let phone = Phone(row["student_phone"] as String) else { return nil }
        return PartnerLink(
            id: row["id"], partnerID: UserID(row["partner_id"]),
            partnerLabel: PartnerLink.label(
                displayName: row["partner_display_name"], phone: (row["partner_phone"] as String?).flatMap(Phone.init)),
            studentPhone: phone, studentName: row["student_name"],
            studentID: (row["student_id"] as Int64?).map(UserID.init),
            status: LinkStatus(rawValue: row["status"]) ?? .expired, invitedAt: Date(storageValue: row["invited_at"]),
            expiresAt: Date(storageValue: row["expires_at"]),
            respondedAt: (row["responded_at"] as Double?).map(Date.init(storageValue:)),
            endedAt: (row["ended_at"] as Double?).map(Date.init(storageValue:)), endedBy: row["ended_by"])
    }

    func links(where condition: String, _ arguments: SQLArguments) throws -> [PartnerLink] {
        try SQLRow.fetchAll(
            db, sql: "SELECT \(Self.linkColumns) FROM \(Self.linkJoins) WHERE \(condition)", arguments: arguments
        ).compactMap(Self.link)
    }

    static func fetchLink(_ db: SQLDatabase, id: Int64) throws -> PartnerLink? {
        try SQLRow.fetchOne(
            db, sql: "SELECT \(linkColumns) FROM \(linkJoins) WHERE l.id = ?", arguments: [id]
        ).flatMap(link)
    }

    func actor() throws -> User {
        guard let user = try StoreRows.fetchUser(db, id: userID) else {
            throw StoreError.unavailable("user \(userID) vanished")
        }
        return user
    }

    /// Marks invitations past their week as expired (they are treated so before this runs, too).
    func expireInvitations(condition: String, _ argument: any SQLValueConvertible) throws {
        try db.execute(
            sql: "UPDATE partner_links SET status = 'expired' WHERE \(condition) AND status = 'pending' AND expires_at <= ?",
            arguments: [argument, now.storageValue])
    }

    mutating func apply(_ change: PartnerChange) throws -> PartnerOutcome {
        switch change {
        case .invite(let phone, let name): return try invite(phone, name: name)
        case .answer(let accept, let choice): return try answer(accept: accept, choice: choice)
        case .block(let choice): return try block(choice: choice)
        case .unlink(let name): return try unlink(named: name)
        case .unlinkLink(let id): return try unlink(id: id)
        case .assign(let reference, let draft): return try assign(reference, draft)
        case .students: return .students(try studentStatuses())
        case .progress(let reference): return try progress(reference)
        case .tell(let recipients, let text, let spacing): return try tell(recipients, text: text, spacing: spacing)
        case .alerts(let done, let overdue, let weekly): return try alerts(done: done, overdue: overdue, weekly: weekly)
        case .displayName(let name):
            try db.execute(sql: "UPDATE users SET display_name = ? WHERE id = ?", arguments: [name, userID.rawValue])
            return .displayNameSet(name)
        }
    }

    // MARK: - Invitations and consent

    private mutating func invite(_ phone: Phone, name: String) throws -> PartnerOutcome {
        let partner = try actor()
        if partner.phone == phone { return .ownNumber }
        if partner.phone == nil && partner.displayName == nil { return .needsDisplayName }
        try expireInvitations(condition: "partner_id = ?", userID.rawValue)
        if let live = try links(
            where: "l.partner_id = ? AND l.student_phone = ? AND l.status IN ('pending', 'active')",
            [userID.rawValue, phone.e164]
        ).first {
            return live.status == .active ? .alreadyLinked(live) : .alreadyPending(live)
        }
        let history = try links(
            where: "l.partner_id = ? AND l.student_phone = ? ORDER BY l.id DESC", [userID.rawValue, phone.e164])
        if history.contains(where: { $0.status == .blocked }) { return .inviteRefused(until: nil) }
        // NO, or the student ending the link: 30 days from that answer.
        if let refused = history.first(where: { $0.status == .declined || ($0.status == .unlinked && $0.endedBy == "student") }),
            let at = refused.status == .declined ? refused.respondedAt : refused.endedAt,
            now < at.addingTimeInterval(PartnerLimits.reinviteCooldown)
        {
            return .inviteRefused(until: at.addingTimeInterval(PartnerLimits.reinviteCooldown))
        }
        // Silence is a no too: one request a week at most (a withdrawn one counts), and two unanswered
        // requests in a row hold the number like a NO.
        if let last = history.first, last.respondedAt == nil,
            now < last.invitedAt.addingTimeInterval(PartnerLimits.invitationLifetime)
        {
            return .inviteRefused(until: last.invitedAt.addingTimeInterval(PartnerLimits.invitationLifetime))
        }
        func unanswered(_ link: PartnerLink) -> Bool {
            link.respondedAt == nil && (link.status == .expired || link.status == .unlinked)
        }
        if history.count >= 2, history[0].status == .expired, unanswered(history[1]),
            now < history[0].expiresAt.addingTimeInterval(PartnerLimits.reinviteCooldown)
        {
            return .inviteRefused(until: history[0].expiresAt.addingTimeInterval(PartnerLimits.reinviteCooldown))
        }
        if let taken = try links(
            where: "l.partner_id = ? AND lower(l.student_name) = lower(?) AND l.status IN ('pending', 'active')",
            [userID.rawValue, name]
        ).first {
            return .nameTaken(taken)
        }
        let lately = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM partner_links WHERE partner_id = ? AND invited_at > ?",
            arguments: [userID.rawValue, now.addingTimeInterval(-86_400).storageValue]) ?? 0
        if lately >= PartnerLimits.invitationsPerDay { return .inviteLimit(perDay: PartnerLimits.invitationsPerDay) }
        let id = try db.insert(
            sql: """
                INSERT INTO partner_links (partner_id, student_phone, student_name, status, invited_at, expires_at)
                VALUES (?, ?, ?, 'pending', ?, ?)
                """,
            arguments: [
                userID.rawValue, phone.e164, name, now.storageValue,
                now.addingTimeInterval(PartnerLimits.invitationLifetime).storageValue,
            ])
        // The one consent request; it belongs to the partner's outbox and goes to the invited number.
        try writeDelivery(to: userID, kind: .linkRequest, taskID: nil, payload: PartnerPayload(link: id), at: now)
        guard let link = try Self.fetchLink(db, id: id) else { throw StoreError.unavailable("link \(id) vanished") }
        return .invited(link)
    }

    /// Requests waiting for this number's answer, oldest first.
    private func pendingRequests(for phone: Phone) throws -> [PartnerLink] {
        try expireInvitations(condition: "student_phone = ?", phone.e164)
        return try links(where: "l.student_phone = ? AND l.status = 'pending' ORDER BY l.invited_at, l.id", [phone.e164])
    }

    private mutating func answer(accept: Bool, choice: Int?) throws -> PartnerOutcome {
        guard let phone = try actor().phone else { return .nothingPending }
        let pending = try pendingRequests(for: phone)
        guard !pending.isEmpty else {
            if let expired = try links(
                where: "l.student_phone = ? AND l.status = 'expired' AND l.expires_at > ? ORDER BY l.expires_at DESC LIMIT 1",
                [phone.e164, now.addingTimeInterval(-PartnerLimits.invitationLifetime).storageValue]
            ).first {
                return .requestExpired(expired)
            }
            return .nothingPending
        }
        guard let link = pick(pending, choice) else { return .choose(kind: accept ? "yes" : "no", pending) }
        try db.execute(
            sql: "UPDATE partner_links SET status = ?, responded_at = ? WHERE id = ?",
            arguments: [accept ? "active" : "declined", now.storageValue, link.id])
        try recordConsent(phone, kind: accept ? "partner_yes" : "partner_no", link: link)
        guard accept else { return .declined(try Self.fetchLink(db, id: link.id) ?? link) }
        try writeDelivery(to: link.partnerID, kind: .partnerAlert, taskID: nil, payload: PartnerPayload(link: link.id, event: "accepted"), at: now)
        if let partner = try StoreRows.fetchUser(db, id: link.partnerID) {
            try DigestScheduler(db: db, now: now, calculator: calculator).ensureScheduled(partner)
        }
        return .accepted(try Self.fetchLink(db, id: link.id) ?? link)
    }

    /// One of several by its 1-based number; the only one when there is one and no number was given.
    private func pick(_ links: [PartnerLink], _ choice: Int?) -> PartnerLink? {
        if let choice { return links.indices.contains(choice - 1) ? links[choice - 1] : nil }
        return links.count == 1 ? links[0] : nil
    }

    private mutating func block(choice: Int?) throws -> PartnerOutcome {
        guard let phone = try actor().phone else { return .noLinks }
        _ = try pendingRequests(for: phone)
        // The latest link from each partner that asked this number, newest first.
        let candidates = try links(
            where: """
                l.id IN (SELECT MAX(id) FROM partner_links WHERE student_phone = ? GROUP BY partner_id)
                AND l.status IN ('pending', 'active', 'declined', 'expired', 'unlinked') ORDER BY l.invited_at DESC, l.id DESC
                """,
            [phone.e164])
        guard !candidates.isEmpty else { return .noLinks }
        guard let link = pick(candidates, choice) else { return .choose(kind: "block", candidates) }
        try db.execute(
            sql: """
                UPDATE partner_links SET status = 'blocked', responded_at = ?,
                    ended_at = CASE WHEN status = 'active' THEN ? ELSE ended_at END,
                    ended_by = CASE WHEN status = 'active' THEN 'student' ELSE ended_by END
                WHERE id = ?
                """,
            arguments: [now.storageValue, now.storageValue, link.id])
        try recordConsent(phone, kind: "partner_block", link: link)
        try db.execute(
            sql: "UPDATE series SET active = 0 WHERE assigned_by = ? AND user_id = ?",
            arguments: [link.partnerID.rawValue, userID.rawValue])
        if link.status == .active {
            try writeDelivery(to: link.partnerID, kind: .partnerAlert, taskID: nil, payload: PartnerPayload(link: link.id, event: "ended"), at: now)
        }
        return .blocked(try Self.fetchLink(db, id: link.id) ?? link)
    }

    private mutating func unlink(named name: String?) throws -> PartnerOutcome {
        let me = try actor()
        try expireInvitations(condition: "partner_id = ?", userID.rawValue)
        let asPartner = try links(
            where: "l.partner_id = ? AND l.status IN ('pending', 'active') ORDER BY l.invited_at", [userID.rawValue])
        let asStudent = try me.phone.map {
            try links(where: "l.student_phone = ? AND l.status = 'active' ORDER BY l.invited_at", [$0.e164])
        } ?? []
        let target: PartnerLink
        if let name {
            let wanted = name.lowercased()
            if let student = asPartner.first(where: { $0.studentName.lowercased() == wanted }) {
                target = student
            } else if let partner = asStudent.first(where: { $0.partnerLabel.lowercased().contains(wanted) }) {
                target = partner
            } else {
                return .noSuchStudent(name)
            }
        } else {
            let all = asPartner + asStudent
            guard !all.isEmpty else { return .noLinks }
            guard all.count == 1 else { return .chooseUnlink(asPartner: asPartner, asStudent: asStudent) }
            target = all[0]
        }
        return try end(target, byPartner: target.partnerID == userID)
    }

    private mutating func unlink(id: Int64) throws -> PartnerOutcome {
        let me = try actor()
        guard let link = try Self.fetchLink(db, id: id), link.status(at: now) == .pending || link.status == .active,
            link.partnerID == userID || (link.studentPhone == me.phone && link.status == .active)
        else { return .noSuchStudent(String(id)) }
        return try end(link, byPartner: link.partnerID == userID)
    }

    /// Ends a live link and tells the other side (a withdrawn invitation tells nobody).
    private mutating func end(_ link: PartnerLink, byPartner: Bool) throws -> PartnerOutcome {
        try db.execute(
            sql: "UPDATE partner_links SET status = 'unlinked', ended_at = ?, ended_by = ? WHERE id = ?",
            arguments: [now.storageValue, byPartner ? "partner" : "student", link.id])
        if link.status == .active {
            if byPartner, let student = link.studentID {
                try writeDelivery(to: student, kind: .partnerMessage, taskID: nil, payload: PartnerPayload(link: link.id, event: "ended"), at: now)
            } else if !byPartner {
                try writeDelivery(to: link.partnerID, kind: .partnerAlert, taskID: nil, payload: PartnerPayload(link: link.id, event: "ended"), at: now)
            }
        }
        if !byPartner { try recordConsent(link.studentPhone, kind: "partner_unlink", link: link) }
        return .unlinked(try Self.fetchLink(db, id: link.id) ?? link, byPartner: byPartner)
    }

    // MARK: - Helpers

    /// The partner's live link for a student reference.
    func liveLink(_ reference: StudentReference) throws -> PartnerLink? {
        try expireInvitations(condition: "partner_id = ?", userID.rawValue)
        switch reference {
        case .name(let name):
            return try links(
                where: "l.partner_id = ? AND lower(l.student_name) = lower(?) AND l.status IN ('pending', 'active')",
                [userID.rawValue, name]
            ).first
        case .link(let id):
            return try links(
                where: "l.partner_id = ? AND l.id = ? AND l.status IN ('pending', 'active')", [userID.rawValue, id]
            ).first
        }
    }

    mutating func writeDelivery(to user: UserID, kind: DeliveryKind, taskID: TaskID?, payload: PartnerPayload, at due: Date)
        throws
    {
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, task_id, kind, channel, payload, due_at, status, created_at, updated_at)
                VALUES (?, ?, ?, 'sms', ?, ?, 'pending', ?, ?)
                """,
            arguments: [
                user.rawValue, taskID?.rawValue, kind.rawValue, payload.encoded(), due.storageValue, now.storageValue,
                now.storageValue,
            ])
        scheduledDelivery = true
    }

    private func recordConsent(_ phone: Phone, kind: String, link: PartnerLink) throws {
        try db.execute(
            sql: "INSERT INTO consent_events (phone, kind, source, wording, at) VALUES (?, ?, 'sms', ?, ?)",
            arguments: [phone.e164, kind, "link \(link.id) with \(link.partnerLabel)", now.storageValue])
    }
}
