import Foundation
import Hummingbird
import NIOCore
import TaskPulseDomain
import TaskPulseStorage

/// A private iCalendar feed of a person's dated tasks (RFC 5545), at `/calendar/<secret>.ics`, so tasks
/// appear in any calendar app. The secret is rotated with `POST /api/v1/me/calendar` (issue 6).
public enum CalendarFeed {
    /// The feed text: one VEVENT per dated task, CRLF lines folded at 75 octets.
    public static func render(tasks: [TaskItem], programName: String, now: Date) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//\(escape(programName))//Tasks//EN", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:\(escape(programName)) tasks",
        ]
        for task in tasks {
            guard let due = task.dueAt else { continue }
            lines += [
                "BEGIN:VEVENT", "UID:task-\(task.id.rawValue)@taskpulse", "DTSTAMP:\(stamp(task.updatedAt))",
                "DTSTART:\(stamp(due))", "DURATION:PT15M",
                "SUMMARY:\(escape((task.status == .done ? "✓ " : "") + task.title))",
                "DESCRIPTION:\(escape("Task #\(task.number). Text DONE \(task.number) when finished."))",
                "STATUS:CONFIRMED", "TRANSP:TRANSPARENT",
            ]
            if let priority = task.priority {
                // RFC 5545 PRIORITY: 1 highest, 9 lowest.
                lines.append("PRIORITY:\([Priority.high: 1, .medium: 5, .low: 9][priority] ?? 0)")
            }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, newline.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
            .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\r\n", with: "\\n")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\n")
    }

    /// Lines longer than 75 octets continue on the next line after a space, never inside a character.
    public static func fold(_ line: String) -> String {
        var result = ""
        var count = 0
        for character in line {
            let size = String(character).utf8.count
            if count + size > 75 {
                result += "\r\n "
                count = 1
            }
            result.append(character)
            count += size
        }
        return result
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

extension APIController {
    func addCalendarRoutes(
        to router: Router<TaskPulseRequestContext>, api: RouterGroup<TaskPulseRequestContext>, programName: String
    ) {
        router.get("/calendar/{file}") { _, context -> Response in
            guard let file = context.parameters.get("file"), file.hasSuffix(".ics"), file.count > 4, !file.utf8.contains(0),
                let (_, tasks) = try await store.calendarFeed(token: String(file.dropLast(4)), now: clock.now())
            else {
                return APIError.response(status: .notFound, code: "not_found", message: "no such calendar", field: nil)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/calendar; charset=utf-8", .cacheControl: "private, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: CalendarFeed.render(tasks: tasks, programName: programName, now: clock.now()))))
        }
        api.post("/me/calendar") { request, _ in
            let userID = try await authenticated(request).userID
            return JSON.response(.ok, ["url": try await service.rotateCalendar(userID)])
        }
    }
}
