import Foundation
import Hummingbird
import Mustache
import NIOCore
import TaskPulseDomain
import TaskPulseTiming

/// The web pages' templates (`Resources/web/*.mustache`, rendered with HTML escaping) and stylesheet,
/// shipped inside the module so a clone needs nothing else.
struct WebPages: Sendable {
    let library: MustacheLibrary
    let stylesheet: String
    let programName: String
    /// Dev mode links the phone simulator from the pages.
    let isDevMode: Bool

    /// Loads the templates from the module's resources.
    /// - Throws: when a template is missing or does not parse (a build defect: start-up stops).
    static func load(programName: String, isDevMode: Bool) throws -> WebPages {
        guard let folder = resourceFolder() else { throw WebPagesError.missing("Resources/web") }
        var templates: [String: MustacheTemplate] = [:]
        for name in ["layout_top", "layout_bottom", "signin", "signup", "tasks", "task", "settings", "deliveries", "message"] {
            let url = folder.appendingPathComponent(name + ".mustache")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw WebPagesError.missing(url.path) }
            templates[name] = try MustacheTemplate(string: text)
        }
        let css = (try? String(contentsOf: folder.appendingPathComponent("app.css"), encoding: .utf8)) ?? ""
        return WebPages(
            library: MustacheLibrary(templates: templates), stylesheet: css, programName: programName, isDevMode: isDevMode)
    }

    private static func resourceFolder() -> URL? {
        let candidates = [
            Bundle.module.resourceURL?.appendingPathComponent("Resources/web"),
            Bundle.module.resourceURL?.appendingPathComponent("web"),
        ]
        return candidates.compactMap { $0 }.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("tasks.mustache").path)
        }
    }

    enum WebPagesError: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self { case .missing(let path): "web template missing: \(path)" }
        }
    }

    /// Renders `template` inside the layout. `values` are the page's own; the layout adds the rest.
    func render(
        _ template: String, status: HTTPResponse.Status = .ok, title: String, identity: WebIdentity?,
        formToken: String? = nil, flash: String? = nil, error: String? = nil, values: [String: Any] = [:]
    ) -> Response {
        var context = values
        context["title"] = title
        context["program"] = programName
        context["signedIn"] = identity != nil
        context["csrf"] = identity?.csrf ?? formToken ?? ""
        context["devMode"] = isDevMode
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        let html =
            (library.render(context, withTemplate: "layout_top") ?? "")
            + (library.render(context, withTemplate: template) ?? "")
            + (library.render(context, withTemplate: "layout_bottom") ?? "")
        return Response(status: status, headers: Self.headers(type: "text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// No scripts at all; styles only from this server; forms only to it; never framed.
    static func headers(type: String) -> HTTPFields {
        [
            .contentType: type, .cacheControl: "no-store",
            .init("Content-Security-Policy")!:
                "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            .init("X-Content-Type-Options")!: "nosniff", .init("Referrer-Policy")!: "same-origin",
            .init("X-Frame-Options")!: "DENY",
        ]
    }

    /// A redirect after a POST (the browser then GETs `location`).
    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// Times as the pages show and read them: in the person's zone. Made once per page, so a list of
/// tasks shares its formatters.
struct WebClock {
    let zone: TimeZone
    let now: Date
    private let calendar: Calendar
    private let thisYear: DateFormatter
    private let otherYear: DateFormatter
    private let input: DateFormatter

    init(zone: TimeZone, now: Date) {
        self.zone = zone
        self.now = now
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
        func formatter(_ format: String) -> DateFormatter {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = format
            return formatter
        }
        thisYear = formatter("EEE MMM d, h:mm a")
        otherYear = formatter("EEE MMM d yyyy, h:mm a")
        input = formatter("yyyy-MM-dd'T'HH:mm")
    }

    /// "Tue Nov 24, 9:00 AM", with the year when it is not this year.
    func text(_ date: Date) -> String {
        let sameYear = calendar.component(.year, from: date) == calendar.component(.year, from: now)
        return (sameYear ? thisYear : otherYear).string(from: date)
    }

    /// The value of an `<input type="datetime-local">`: "2026-11-24T09:00".
    func inputValue(_ date: Date?) -> String {
        guard let date else { return "" }
        return input.string(from: date)
    }

    /// The instant a `datetime-local` value names in the person's zone (a DST gap moves forward).
    func instant(_ text: String) -> Date? {
        let trimmed = text.count > 16 ? String(text.prefix(16)) : text  // seconds, when a browser sends them
        guard let local = LocalDateTime(iso: trimmed) else { return nil }
        return ZonedTime.instant(local, in: zone)
    }
}
