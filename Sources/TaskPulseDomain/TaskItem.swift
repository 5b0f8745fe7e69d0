import Foundation

/// How urgent a task is. Raw values are what people type (`p1`..`p3`) and what the API shows.
public enum Priority: Int, Sendable, Codable, CaseIterable {
    case high = 1
    case medium = 2
    case low = 3
}

/// Where a task is in its life.
public enum TaskStatus: String, Sendable, Codable {
    case open
    case done
    /// Deleted tasks are kept (soft delete) so `undo` can restore them.
    case deleted
    /// An occurrence of a repeating task that passed without being done (kept as history).
    case missed
    /// An occurrence of a repeating task the person skipped.
    case skipped
}

/// One task on a person's list.
public struct TaskItem: Sendable, Equatable, Codable {
    public var id: TaskID
    public var userID: UserID
    /// The person's own number for this task (`done 2`), unique among their open tasks.
    public var number: Int
    /// The title exactly as texted (byte-exact, any script, emoji).
    public var title: String
    public var status: TaskStatus
    public var priority: Priority?
    /// When the task is due, if it has a date.
    public var dueAt: Date?
    /// When the reminder goes out, if any.
    public var remindAt: Date?
    /// The IANA zone the person's wall-clock words were said in.
    public var timeZoneID: String
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?
    /// The repeating series this task is an occurrence of.
    public var seriesID: Int64?
    /// The series' rule, for display.
    public var recurrence: Recurrence?
    /// The partner who assigned this task (issue 7); `nil` for the person's own tasks.
    public var assignedBy: UserID?

    public init(
        id: TaskID, userID: UserID, number: Int, title: String, status: TaskStatus,
        priority: Priority?, dueAt: Date?, remindAt: Date?, timeZoneID: String,
        createdAt: Date, updatedAt: Date, completedAt: Date?, seriesID: Int64? = nil, recurrence: Recurrence? = nil,
        assignedBy: UserID? = nil
    ) {
        self.assignedBy = assignedBy
        self.seriesID = seriesID
        self.recurrence = recurrence
        self.id = id
        self.userID = userID
        self.number = number
        self.title = title
        self.status = status
        self.priority = priority
        self.dueAt = dueAt
        self.remindAt = remindAt
        self.timeZoneID = timeZoneID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
    }
}

/// What a person asked to create, before it has an id and number.
public struct TaskDraft: Sendable, Equatable {
    public var title: String
    public var priority: Priority?
    public var dueAt: Date?
    public var remindAt: Date?
    public var timeZoneID: String
    /// For a repeating task: the rule and the wall-clock time (minutes after midnight) of each occurrence.
    public var recurrence: Recurrence?
    public var occurrenceMinutes: Int?
    /// The partner assigning it, for a task assigned to a linked student.
    public var assignedBy: UserID?

    public init(
        title: String, priority: Priority? = nil, dueAt: Date?, remindAt: Date?, timeZoneID: String,
        recurrence: Recurrence? = nil, occurrenceMinutes: Int? = nil, assignedBy: UserID? = nil
    ) {
        self.assignedBy = assignedBy
        self.recurrence = recurrence
        self.occurrenceMinutes = occurrenceMinutes
        self.title = title
        self.priority = priority
        self.dueAt = dueAt
        self.remindAt = remindAt
        self.timeZoneID = timeZoneID
    }
}
