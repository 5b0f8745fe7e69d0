import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage
import TaskPulseTiming

/// The task pages: the list with filters and quick-add, one task's edit page, complete and delete.
extension WebController {
    func addTaskRoutes(to router: Router<TaskPulseRequestContext>) {
        router.get("/tasks") { request, _ in
            try await page(request) { identity, flash in try await taskList(request, identity, flash: flash) }
        }
        router.post("/tasks") { request, _ in
            try await action(request) { identity, form in
                do {
                    let task = try await service.create(identity.userID, text: form["text"] ?? "")
                    var response = WebPages.seeOther("/tasks")
                    sessions.flash(try await addedNotice(task, identity), on: &response)
                    return response
                } catch let refusal as FieldError {
                    return try await taskList(
                        request, identity, status: refusal.status, error: Self.sentence(refusal), text: form["text"] ?? "")
                }
            }
        }
        router.get("/tasks/{id}") { request, context in
            try await page(request) { identity, flash in
                try await taskPage(identity, id: context.parameters.get("id", as: Int64.self), flash: flash)
            }
        }
        router.post("/tasks/{id}") { request, context in
            try await action(request) { identity, form in
                let id = context.parameters.get("id", as: Int64.self)
                do {
                    let clock = WebClock(zone: try await zone(identity), now: service.clock.now())
                    let current = try await service.task(identity.userID, id: id)
                    var fields = TaskFields(title: form["title"])
                    // The form shows minutes: the same minute as now is no change (a due time with
                    // seconds would otherwise move, and its reminder would go out again).
                    if let due = form["due"], !due.isEmpty, due != clock.inputValue(current.dueAt) {
                        guard let instant = clock.instant(due) else {
                            throw FieldError.invalid("due", "the date and time could not be read")
                        }
                        fields.dueAt = instant
                    }
                    if form["priority"] == "" { fields.clearsPriority = true }
                    if let priority = form["priority"], !priority.isEmpty {
                        guard let value = Int(priority).flatMap(Priority.init(rawValue:)) else {
                            throw FieldError.invalid("priority", "priority is high, medium or low")
                        }
                        fields.priority = value
                    }
                    let task = try await service.update(identity.userID, id: id, fields: fields)
                    var response = WebPages.seeOther("/tasks")
                    sessions.flash("Saved #\(task.number): \(task.title)", on: &response)
                    return response
                } catch let refusal as FieldError where refusal.status != .notFound {
                    return try await taskPage(identity, id: id, status: refusal.status, error: Self.sentence(refusal))
                }
            }
        }
        router.post("/tasks/{id}/complete") { request, context in
            try await action(request) { identity, form in
                let task = try await service.complete(identity.userID, id: context.parameters.get("id", as: Int64.self))
                var response = WebPages.seeOther(Self.safeNext(form["next"]))
                sessions.flash("Done: \(task.title). Nice work!", on: &response)
                return response
            }
        }
        router.post("/tasks/{id}/delete") { request, context in
            try await action(request) { identity, _ in
                let task = try await service.task(identity.userID, id: context.parameters.get("id", as: Int64.self))
                try await service.delete(identity.userID, id: task.id.rawValue)
                var response = WebPages.seeOther("/tasks")
                sessions.flash("Deleted #\(task.number): \(task.title)", on: &response)
                return response
            }
        }
    }

    /// The list: filters from the URL (the API's names), open tasks by default.
    func taskList(
        _ request: Request, _ identity: WebIdentity, status: HTTPResponse.Status = .ok, flash: String? = nil,
        error: String? = nil, text: String = ""
    ) async throws -> Response {
        let parameters = (try? QueryString(request)) ?? .empty
        let filter = Self.filterValues { parameters[$0] }
        let user = try await service.user(identity.userID)
        let clock = WebClock(zone: TimeZone(identifier: user.timeZoneID) ?? .gmt, now: service.clock.now())
        var items: [[String: Any]] = []
        var nextLink: String?
        var problem = error
        var answerStatus = status
        do {
            let query = try SelfService.taskQuery { name in
                name == "status" ? (filter["status"] == "all" ? "open,done,missed,skipped" : filter["status"]) : filter[name]
            }
            let page = try await service.tasks(identity.userID, query)
            items = page.items.map { Self.row($0, clock: clock) }
            if let cursor = page.nextCursor {
                nextLink = "/tasks?" + FormEncoding.encode(filter.merging(["cursor": cursor]) { $1 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            }
        } catch let refusal as FieldError {
            problem = Self.sentence(refusal)
            answerStatus = .badRequest
        }
        let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        var values: [String: Any] = [
                "tasks": items, "empty": items.isEmpty, "text": text, "here": here,
                "q": filter["q"] ?? "", "zone": user.timeZoneID,
                "statusOptions": Self.options(["open": "Open", "done": "Done", "missed": "Missed", "skipped": "Skipped", "all": "All"],
                    order: ["open", "done", "missed", "skipped", "all"], selected: filter["status"] ?? "open"),
                "priorityOptions": Self.options(["": "Any priority", "1": "High", "2": "Medium", "3": "Low"],
                    order: ["", "1", "2", "3"], selected: filter["priority"] ?? ""),
                "sortOptions": Self.options(["due": "By due time", "created": "Newest added", "priority": "By priority", "number": "By number"],
                    order: ["due", "created", "priority", "number"], selected: filter["sort"] ?? "due"),
            ]
        if let nextLink { values["next"] = nextLink }
        return pages.render(
            "tasks", status: answerStatus, title: "Tasks", identity: identity, flash: flash, error: problem, values: values)
    }

    /// The filter fields of the list, as the form and links carry them.
    static func filterValues(_ parameter: (String) -> String?) -> [String: String] {
        var values: [String: String] = [:]
        for name in ["status", "priority", "q", "sort", "order", "due_from", "due_to", "cursor"] {
            if let value = parameter(name), !value.isEmpty { values[name] = value }
        }
        if values["sort"] == "created", values["order"] == nil { values["order"] = "desc" }
        return values
    }

    static func options(_ labels: [String: String], order: [String], selected: String) -> [[String: Any]] {
        order.map { ["value": $0, "label": labels[$0] ?? $0, "selected": $0 == selected] }
    }

    /// One task as the list shows it.
    static func row(_ task: TaskItem, clock: WebClock) -> [String: Any] {
        var row: [String: Any] = [
            "id": task.id.rawValue, "number": task.number, "taskTitle": task.title, "open": task.status == .open,
            "status": task.status.rawValue,
        ]
        if let due = task.dueAt {
            row["due"] = clock.text(due)
            row["overdue"] = task.status == .open && due < clock.now
        }
        if let priority = task.priority { row["priority"] = ["high", "medium", "low"][priority.rawValue - 1] }
        if let recurrence = task.recurrence { row["repeats"] = recurrence.phrase }
        if let done = task.completedAt { row["completed"] = clock.text(done) }
        return row
    }

    func taskPage(
        _ identity: WebIdentity, id: Int64?, status: HTTPResponse.Status = .ok, flash: String? = nil, error: String? = nil
    ) async throws -> Response {
        let task: TaskItem
        do {
            task = try await service.task(identity.userID, id: id)
        } catch let refusal as FieldError where refusal.status == .notFound {
            return pages.render(
                "message", status: .notFound, title: "No such task", identity: identity,
                values: ["message": "That task does not exist, or it is not yours.", "back": "/tasks"])
        }
        let clock = WebClock(zone: try await zone(identity), now: service.clock.now())
        var values = Self.row(task, clock: clock)
        values["dueInput"] = clock.inputValue(task.dueAt)
        values["priorityOptions"] = Self.options(
            ["": "None", "1": "High", "2": "Medium", "3": "Low"], order: ["", "1", "2", "3"],
            selected: task.priority.map { String($0.rawValue) } ?? "")
        values["zone"] = clock.zone.identifier
        return pages.render("task", status: status, title: "Task #\(task.number)", identity: identity, flash: flash, error: error, values: values)
    }

    func zone(_ identity: WebIdentity) async throws -> TimeZone {
        TimeZone(identifier: try await service.user(identity.userID).timeZoneID) ?? .gmt
    }

    /// "Added #4: call mom, Tue Nov 24, 9:00 AM (repeats every weekday)".
    func addedNotice(_ task: TaskItem, _ identity: WebIdentity) async throws -> String {
        var text = "Added #\(task.number): \(task.title)"
        if let due = task.dueAt { text += ", " + WebClock(zone: try await zone(identity), now: service.clock.now()).text(due) }
        if let recurrence = task.recurrence { text += " (repeats \(recurrence.phrase))" }
        return text
    }
}
