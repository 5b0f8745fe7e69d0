/// The pieces of a date/time phrase found in a text, before they are resolved against "now".
///
/// The scanner fills these from words anywhere in the text; ``ScheduleResolver`` turns them into
/// instants. Keeping the two apart lets each grow (DESIGN §2) without touching the other.
public struct WhenPhrase: Sendable, Equatable {
    /// Which day, when the text named one.
    public enum Day: Sendable, Equatable {
        case today
        case tomorrow
        /// A weekday (1 = Monday ... 7 = Sunday); `strictlyAfterToday` for `next friday`.
        case weekday(Int, strictlyAfterToday: Bool)
        /// A full date with its year.
        case date(LocalDate)
        /// Month and day without a year: the next such date.
        case monthDay(month: Int, day: Int)
        /// `the 5th`: the next day with that number.
        case dayOfMonth(Int)
        /// `this weekend`: the coming Saturday, or today on a weekend day.
        case weekend
        /// `in N days` / `in a week`: N days from today, keeping the clock time.
        case daysFromToday(Int)
    }

    /// A clock time as said.
    public struct Clock: Sendable, Equatable {
        public var hour: Int
        public var minute: Int
        /// `am`/`pm` given, a 24-hour reading (`21:00`, `09:30`), or a word like `noon`.
        public var isUnambiguous: Bool

        public init(hour: Int, minute: Int, isUnambiguous: Bool) {
            self.hour = hour
            self.minute = minute
            self.isUnambiguous = isUnambiguous
        }
    }

    public var day: Day?
    public var clock: Clock?
    /// A part of the day (`morning` 9:00 ...), used when no clock time is given.
    public var partOfDay: LocalTime?
    /// `in 20 min`, `in 2h`: elapsed seconds from now.
    public var elapsedSeconds: Int?
    /// `by friday`, `before 5pm`, `eod`: a deadline rather than an appointment.
    public var isDeadline = false
    /// A date that does not exist was named (`feb 30`, `13/13`).
    public var invalidDate = false
    /// A slash date whose other reading is also a date (`5/1`): its two numbers as written.
    public var slashNumbers: (first: Int, second: Int)?

    public static func == (lhs: WhenPhrase, rhs: WhenPhrase) -> Bool {
        lhs.day == rhs.day && lhs.clock == rhs.clock && lhs.partOfDay == rhs.partOfDay
            && lhs.elapsedSeconds == rhs.elapsedSeconds && lhs.isDeadline == rhs.isDeadline
            && lhs.invalidDate == rhs.invalidDate && lhs.slashNumbers?.first == rhs.slashNumbers?.first
            && lhs.slashNumbers?.second == rhs.slashNumbers?.second
    }

    public init() {}

    /// Whether any date or time was found.
    public var isEmpty: Bool {
        day == nil && clock == nil && partOfDay == nil && elapsedSeconds == nil && !isDeadline && !invalidDate
    }
}
