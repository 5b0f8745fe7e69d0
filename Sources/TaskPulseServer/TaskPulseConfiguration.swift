import Foundation
import NIOCore
import TaskPulseMessaging
import TaskPulseDomain
import TaskPulseStorage

/// A configuration value that stops start-up (DESIGN §7): it names the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var variable: String
    public var problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}

/// Twilio credentials; absent in dev mode.
public struct TwilioSettings: Sendable, Equatable {
    public var accountSID: String
    public var authToken: String
    public var fromNumber: String?
    public var messagingServiceSID: String?
}

/// Everything TaskPulse reads from its environment, parsed once at start (STYLE.md §7).
public struct TaskPulseConfiguration: Sendable, CustomStringConvertible {
    /// The SQLite file or PostgreSQL database (`TASKPULSE_DATABASE_URL`).
    public var database: DatabaseLocation
    public var host: String
    public var port: Int
    /// The public base URL Twilio calls (signature checks use it); `nil` in dev mode without one.
    public var publicURL: String?
    /// Twilio credentials; `nil` means dev mode (outbox + simulator, no real SMS).
    public var twilio: TwilioSettings?
    /// The token that signs inbound webhooks: Twilio's auth token, or in dev mode `TWILIO_AUTH_TOKEN`
    /// if set, else a random one made at start (the simulator needs none).
    public var webhookAuthToken: String
    public var twilioAPIBase: String
    /// The zone new people start in until they set theirs.
    public var defaultTimeZone: String
    /// Where HELP replies point people.
    public var helpContact: String
    public var programName: String
    public var logLevel: String
    /// How long a node's claim on a due message holds before another node may send it
    /// (`TASKPULSE_DISPATCH_LEASE_SECONDS`, 40-3600, default 60): a node that dies mid-batch delays its
    /// claimed messages by about this long. It must outlast the slowest single send (Twilio's 15 s and
    /// SMTP's 30 s timeouts), as each send renews its row's lease just before it starts.
    public var dispatchLease: TimeInterval
    /// The folder of message templates and the motivation catalog (DESIGN §8).
    public var promptsDirectory: String

    /// Dev mode: no Twilio account, outbound SMS go to the outbox and the simulator (DESIGN §7).
    public var isDevMode: Bool { twilio == nil }
    /// The HMAC secret that signs API access tokens (`TASKPULSE_JWT_SECRET`, at least 32 characters).
    /// Without it a random one is made at start: sessions then end when the service restarts.
    public var jwtSecret: String
    /// Whether ``jwtSecret`` was made up at start (logged as a warning).
    public var jwtSecretIsEphemeral: Bool
    /// The mail server (`SMTP_URL`, `MAIL_FROM`, `SMTP_CA_FILE`); `nil` without one.
    public var smtp: SMTPSettings?
    /// Where email goes: SMTP when configured, the in-memory dev outbox in dev mode, nowhere otherwise.
    public var mailMode: MailMode {
        if let smtp { return .smtp(smtp) }
        return isDevMode ? .devOutbox : .none
    }
    /// Peers whose `X-Forwarded-For` names the client (`TASKPULSE_TRUSTED_PROXIES`, comma-separated
    /// IPs; loopback by default, where a reverse proxy on the same machine connects from).
    public var trustedProxies: Set<String> = ["127.0.0.1", "::1"]
    /// Whether session cookies are marked `Secure`: when the public URL is https.
    public var secureCookies: Bool { publicURL?.lowercased().hasPrefix("https://") == true }
    /// The base of links in emails: the public URL, or this machine in dev mode.
    public var linkBaseURL: String { publicURL ?? "http://localhost:\(port)" }

    /// How this server sends email.
    public enum MailMode: Sendable, Equatable {
        case smtp(SMTPSettings)
        case devOutbox
        case none
    }

    /// Parses `environment`.
    /// - Throws: ``ConfigurationError`` naming the first bad variable.
    public init(environment: [String: String]) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }

        do {
            database = try DatabaseLocation(url: value("TASKPULSE_DATABASE_URL") ?? "data/taskpulse.sqlite")
        } catch let StoreError.invalidConfiguration(problem) {
            throw ConfigurationError(variable: "TASKPULSE_DATABASE_URL", problem: problem)
        } catch {
            throw ConfigurationError(variable: "TASKPULSE_DATABASE_URL", problem: "\(error)")
        }

        host = value("TASKPULSE_HOST") ?? "127.0.0.1"
        let portText = value("TASKPULSE_PORT") ?? "8080"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ConfigurationError(
                variable: "TASKPULSE_PORT", problem: "expected a port number 1-65535, got \(portText)")
        }
        self.port = port

        if let url = value("TASKPULSE_PUBLIC_URL") {
            guard TaskPulseConfiguration.isHTTPURL(url) else {
                throw ConfigurationError(
                    variable: "TASKPULSE_PUBLIC_URL", problem: "expected an http(s) URL, got \(url)")
            }
            publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }

        twilioAPIBase = value("TWILIO_API_BASE") ?? "https://api.twilio.com"
        guard TaskPulseConfiguration.isHTTPURL(twilioAPIBase) else {
            throw ConfigurationError(
                variable: "TWILIO_API_BASE", problem: "expected an http(s) URL, got \(twilioAPIBase)")
        }

        if let sid = value("TWILIO_ACCOUNT_SID") {
            guard sid.hasPrefix("AC"), sid.count >= 10 else {
                throw ConfigurationError(
                    variable: "TWILIO_ACCOUNT_SID", problem: "expected an account SID starting with AC")
            }
            guard let token = value("TWILIO_AUTH_TOKEN") else {
                throw ConfigurationError(variable: "TWILIO_AUTH_TOKEN", problem: "required with TWILIO_ACCOUNT_SID")
            }
            let from = value("TWILIO_FROM_NUMBER")
            let service = value("TWILIO_MESSAGING_SERVICE_SID")
            if let from, Phone(from)?.e164 != from {
                throw ConfigurationError(
                    variable: "TWILIO_FROM_NUMBER", problem: "expected an E.164 number like +15551234567")
            }
            if let service, !service.hasPrefix("MG") {
                throw ConfigurationError(
                    variable: "TWILIO_MESSAGING_SERVICE_SID", problem: "expected a SID starting with MG")
            }
            guard from != nil || service != nil else {
                throw ConfigurationError(
                    variable: "TWILIO_FROM_NUMBER",
                    problem: "set it (or TWILIO_MESSAGING_SERVICE_SID) with TWILIO_ACCOUNT_SID")
            }
            guard publicURL != nil else {
                throw ConfigurationError(
                    variable: "TASKPULSE_PUBLIC_URL",
                    problem: "required with Twilio credentials: the https URL Twilio calls, used to check signatures")
            }
            twilio = TwilioSettings(accountSID: sid, authToken: token, fromNumber: from, messagingServiceSID: service)
            webhookAuthToken = token
        } else {
            twilio = nil
            webhookAuthToken =
                value("TWILIO_AUTH_TOKEN")
                ?? (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        }

        if let secret = value("TASKPULSE_JWT_SECRET") {
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError(
                    variable: "TASKPULSE_JWT_SECRET", problem: "use at least 32 random characters (e.g. openssl rand -hex 32)")
            }
            jwtSecret = secret
            jwtSecretIsEphemeral = false
        } else {
            jwtSecret = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
            jwtSecretIsEphemeral = true
        }

        if let url = value("SMTP_URL") {
            guard let from = value("MAIL_FROM") else {
                throw ConfigurationError(variable: "MAIL_FROM", problem: "required with SMTP_URL: the sender address")
            }
            guard from.contains("@"), !from.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
                throw ConfigurationError(variable: "MAIL_FROM", problem: "expected a bare address like tasks@example.com")
            }
            let caFile = value("SMTP_CA_FILE")
            if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                throw ConfigurationError(variable: "SMTP_CA_FILE", problem: "cannot read \(caFile)")
            }
            guard let settings = SMTPSettings(url: url, from: from, caFile: caFile) else {
                throw ConfigurationError(
                    variable: "SMTP_URL",
                    problem: "expected smtp://user:pass@host:587?starttls=required|optional|off or smtps://user:pass@host:465")
            }
            smtp = settings
        }

        if let proxies = value("TASKPULSE_TRUSTED_PROXIES") {
            let addresses = proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard addresses.allSatisfy(TaskPulseConfiguration.isIPAddress) else {
                throw ConfigurationError(
                    variable: "TASKPULSE_TRUSTED_PROXIES", problem: "expected comma-separated IP addresses, e.g. 127.0.0.1,::1")
            }
            trustedProxies = Set(addresses)
        }

        defaultTimeZone = value("TASKPULSE_DEFAULT_TIMEZONE") ?? "America/New_York"
        guard TimeZone(identifier: defaultTimeZone) != nil else {
            throw ConfigurationError(
                variable: "TASKPULSE_DEFAULT_TIMEZONE", problem: "unknown IANA time zone \(defaultTimeZone)")
        }
        helpContact = value("TASKPULSE_HELP_CONTACT") ?? publicURL ?? "http://localhost:\(port)"
        programName = value("TASKPULSE_PROGRAM_NAME") ?? "TaskPulse"
        promptsDirectory = value("TASKPULSE_PROMPTS_DIR") ?? TaskPulseConfiguration.defaultPromptsDirectory()
        logLevel = value("TASKPULSE_LOG_LEVEL") ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(
                variable: "TASKPULSE_LOG_LEVEL", problem: "expected trace|debug|info|notice|warning|error|critical")
        }
        let leaseText = value("TASKPULSE_DISPATCH_LEASE_SECONDS") ?? "60"
        guard let lease = Int(leaseText), (40...3600).contains(lease) else {
            throw ConfigurationError(
                variable: "TASKPULSE_DISPATCH_LEASE_SECONDS",
                problem: "expected whole seconds 40-3600 (longer than the slowest send), got \(leaseText)")
        }
        dispatchLease = TimeInterval(lease)
    }

    /// `prompts/` in the working directory, else the nearest `prompts/` above the executable (a
    /// checkout's `.build/.../taskpulse` finds the repository's), so the service starts from any folder.
    static func defaultPromptsDirectory() -> String {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: "prompts/motivation.txt") { return "prompts" }
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = folder.appendingPathComponent("prompts")
            if fileManager.fileExists(atPath: candidate.appendingPathComponent("motivation.txt").path) {
                return candidate.path
            }
            folder = folder.deletingLastPathComponent()
        }
        return "prompts"
    }

    static func isIPAddress(_ text: String) -> Bool {
        (try? SocketAddress(ipAddress: text, port: 0)) != nil
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
            return false
        }
        return url.host != nil
    }

    private var mailDescription: String {
        switch mailMode {
        case .smtp(let settings): "smtp://\(settings.host):\(settings.port)"
        case .devOutbox: "dev-outbox"
        case .none: "off"
        }
    }

    /// The configuration with secrets redacted, for logs.
    public var description: String {
        "database=\(database) listen=\(host):\(port) public_url=\(publicURL ?? "-") mode=\(isDevMode ? "dev" : "twilio") "
            + "twilio_api=\(twilioAPIBase) default_tz=\(defaultTimeZone) mail=\(mailDescription)"
    }
}
