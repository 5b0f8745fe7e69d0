import Foundation
import TaskPulseDomain

/// What the accounts part of the store answers (issue 6).
public enum AccountError: Error, Sendable, Equatable {
    /// Another account already signs in with this address.
    case emailTaken
}

/// A web account: the person and their password hash (bcrypt).
public struct Account: Sendable, Equatable {
    public var user: User
    public var passwordHash: String

    public init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}

/// What presenting a refresh token did.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was current: it is spent now and the new one replaces it in the same session.
    case rotated(userID: UserID, sessionID: String)
    /// The token was already spent: someone replayed it, so the whole session (family) is revoked.
    case reused
    /// Unknown, expired, or its session was revoked.
    case invalid
}

/// Filters, order and page for the tasks API.
public struct TaskQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case due, created, priority, number
    }

    public var statuses: [TaskStatus]
    public var priority: Priority?
    public var dueFrom: Date?
    public var dueBefore: Date?
    /// Case-insensitive substring of the title.
    public var text: String?
    public var sort: Sort
    public var descending: Bool
    public var limit: Int
    /// Rows to skip: the opaque cursor is this offset, signed with the query (see the API layer).
    public var offset: Int

    public init(
        statuses: [TaskStatus] = [.open], priority: Priority? = nil, dueFrom: Date? = nil, dueBefore: Date? = nil,
        text: String? = nil, sort: Sort = .due, descending: Bool = false, limit: Int = 50, offset: Int = 0
    ) {
        self.statuses = statuses
        self.priority = priority
        self.dueFrom = dueFrom
        self.dueBefore = dueBefore
        self.text = text
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }
}

/// A page of tasks and whether more follow.
public struct TaskPage: Sendable, Equatable {
    public var items: [TaskItem]
    public var hasMore: Bool

    public init(items: [TaskItem], hasMore: Bool) {
        self.items = items
        self.hasMore = hasMore
    }
}
