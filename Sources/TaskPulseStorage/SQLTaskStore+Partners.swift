import Foundation
import TaskPulseDomain

/// Reads about partners and students (issue 7); changes go through ``PartnerBook``.
extension SQLTaskStore {
    public func partnerLink(id: Int64) async throws -> PartnerLink? {
        try await read { db in try PartnerBook.fetchLink(db, id: id) }
    }

    public func links(userID: UserID, now: Date) async throws -> [PartnerLink] {
        let calculator = self.calculator
        return try await write { db in
            let book = PartnerBook(db: db, userID: userID, now: now, calculator: calculator)
            let phone = try StoreRows.fetchUser(db, id: userID)?.phone?.e164
            try book.expireInvitations(condition: "partner_id = ?", userID.rawValue)
            if let phone { try book.expireInvitations(condition: "student_phone = ?", phone) }
            let recent = now.addingTimeInterval(-30 * 86_400).storageValue
            return try book.links(
                where: """
                    (l.partner_id = ? OR l.student_phone = ?)
                    AND (l.status IN ('pending', 'active') OR COALESCE(l.ended_at, l.responded_at, l.expires_at) > ?)
                    ORDER BY l.id DESC LIMIT 500
                    """,
                [userID.rawValue, phone, recent])
        }
    }

    public func studentStatuses(partnerID: UserID, now: Date) async throws -> [StudentStatus] {
        let calculator = self.calculator
        // A write: invitations past their week are marked expired on the way.
        return try await write { db in
            try PartnerBook(db: db, userID: partnerID, now: now, calculator: calculator).studentStatuses()
        }
    }

    public func linkedStudent(partnerID: UserID, reference: StudentReference, now: Date) async throws
        -> (PartnerLink, User?)?
    {
        let calculator = self.calculator
        return try await write { db -> (PartnerLink, User?)? in
            let book = PartnerBook(db: db, userID: partnerID, now: now, calculator: calculator)
            guard let link = try book.liveLink(reference) else { return nil }
            return (link, try link.studentID.flatMap { try StoreRows.fetchUser(db, id: $0) })
        }
    }
}
