import Foundation

/// How to reach the mail server, from `SMTP_URL` (DESIGN §7):
/// `smtp://user:pass@host:587` (STARTTLS, required unless `?starttls=optional` or `off`) or
/// `smtps://user:pass@host:465` (implicit TLS).
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, Equatable {
        /// TLS from the first byte (port 465).
        case implicitTLS
        /// STARTTLS before anything else; refuse a server that does not offer it.
        case startTLSRequired
        /// STARTTLS when offered.
        case startTLSOptional
        /// Plain text (only for a local relay).
        case none
    }

    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var security: Security
    /// The envelope and `From:` address (`MAIL_FROM`).
    public var from: String
    /// Extra trusted CA certificates (PEM file), for a private mail server.
    public var caFile: String?

    public init(
        host: String, port: Int, username: String?, password: String?, security: Security, from: String,
        caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.security = security
        self.from = from
        self.caFile = caFile
    }

    /// Parses `SMTP_URL`; `nil` when it is not an smtp:// or smtps:// URL with a host.
    public init?(url text: String, from: String, caFile: String? = nil) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            let host = components.host, !host.isEmpty
        else { return nil }
        switch scheme {
        case "smtps":
            security = .implicitTLS
            port = components.port ?? 465
        case "smtp":
            let mode = components.queryItems?.first { $0.name == "starttls" }?.value ?? "required"
            switch mode {
            case "required": security = .startTLSRequired
            case "optional": security = .startTLSOptional
            case "off": security = .none
            default: return nil
            }
            port = components.port ?? 587
        default:
            return nil
        }
        self.host = host
        self.username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.from = from
        self.caFile = caFile
    }
}
