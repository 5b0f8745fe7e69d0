import Crypto
import Foundation
import Hummingbird
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// The signed-in person of a web request.
struct WebIdentity: Sendable {
    var userID: UserID
    var sessionID: String
    /// The token every form of this session carries (synchronizer token, bound to the session).
    var csrf: String
}

/// Cookies and forgery protection for the web pages (issue 6).
///
/// The session is a signed token (the API's access-token format, lifetime ``lifetime``) in an
/// HttpOnly, SameSite=Lax cookie, Secure when the public URL is https; the session row is checked on
/// every request, so signing out ends it at once. Every POST must carry a CSRF token: for a
/// signed-in person an HMAC of the session id, before sign-in a random value also held in a cookie
/// (double submit). A POST whose `Origin` is another site, or that the browser marks cross-site, is
/// refused whatever it carries.
struct WebSessions: Sendable {
    static let sessionCookie = "tp_session"
    static let formCookie = "tp_form"
    static let flashCookie = "tp_flash"
    static let lifetime: TimeInterval = 14 * 86_400
    /// Largest form accepted.
    static let maximumForm = 16 * 1024

    let tokens: AuthTokens
    let csrfKey: SymmetricKey
    let secureCookies: Bool
    /// `scheme://host[:port]` of the public URL, lowercased, when one is configured.
    let publicOrigin: String?

    init(tokens: AuthTokens, secret: String, secureCookies: Bool, publicURL: String?) {
        self.tokens = tokens
        self.publicOrigin = publicURL.flatMap(Self.origin(of:))
        // A key of its own, derived from the signing secret: a CSRF token is never a valid signature.
        self.csrfKey = SymmetricKey(data: SHA256.hash(data: Data(("taskpulse-csrf-v1:" + secret).utf8)))
        self.secureCookies = secureCookies
    }

    /// The person whose session cookie this request carries, if it is still valid.
    func identity(_ request: Request) async throws -> WebIdentity? {
        guard let token = request.cookies[Self.sessionCookie]?.value, !token.isEmpty,
            let (userID, sessionID) = try await tokens.authenticate(token)
        else { return nil }
        return WebIdentity(userID: userID, sessionID: sessionID, csrf: csrfToken(sessionID: sessionID))
    }

    /// Starts a session and sets its cookie on `response`.
    func signIn(_ userID: UserID, on response: inout Response) async throws {
        let (token, _) = try await tokens.startWebSession(for: userID, lifetime: Self.lifetime)
        response.setCookie(cookie(Self.sessionCookie, token, maxAge: Int(Self.lifetime)))
    }

    /// Clears the session cookie (the caller revokes the session itself).
    func clearSession(on response: inout Response) {
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
    }

    func csrfToken(sessionID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(sessionID.utf8), using: csrfKey)
        return EmailTokens.base64URL(Data(mac))
    }

    /// The form token for pages shown before sign-in, and the cookie to set when the browser has none.
    func anonymousFormToken(_ request: Request) -> (token: String, cookie: Cookie?) {
        if let existing = request.cookies[Self.formCookie]?.value, existing.count == 43 { return (existing, nil) }
        let token = EmailTokens.make()
        return (token, cookie(Self.formCookie, token, maxAge: 86_400))
    }

    /// Whether a POST may act: same-site, and carrying the right token.
    func isGenuine(_ request: Request, form: [String: String], identity: WebIdentity?) -> Bool {
        if request.headers[.init("Sec-Fetch-Site")!] == "cross-site" { return false }
        if let origin = request.headers[.init("Origin")!], origin != "null", !isOwnOrigin(origin, request: request) {
            return false
        }
        guard let presented = form["_csrf"], !presented.isEmpty else { return false }
        let expected = identity?.csrf ?? request.cookies[Self.formCookie]?.value ?? ""
        return !expected.isEmpty && Self.constantTimeEqual(presented, expected)
    }

    /// Whether `Origin` is this site: the configured public URL (behind a reverse proxy the `Host`
    /// header is often the proxy's upstream address), or the `Host` the browser sent (direct use).
    /// Compared whole, port included; `[::1]:8080` works as written.
    func isOwnOrigin(_ origin: String, request: Request) -> Bool {
        guard let presented = Self.origin(of: origin) else { return false }
        if presented == publicOrigin { return true }
        guard let authority = request.head.authority?.lowercased(), let separator = presented.range(of: "://") else {
            return false
        }
        return presented[separator.upperBound...] == authority
    }

    /// `scheme://host[:port]` of a URL, lowercased, without path; `nil` when it is not http(s).
    static func origin(of url: String) -> String? {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), let separator = lowered.range(of: "://") else {
            return nil
        }
        let rest = lowered[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty else { return nil }
        return String(lowered[..<separator.upperBound]) + authority
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A one-time notice shown on the next page ("Added #4"), cut to 300 bytes so the cookie stays
    /// far below what browsers and proxies accept.
    func flash(_ text: String, on response: inout Response) {
        var notice = ""
        for character in text {
            guard notice.utf8.count + String(character).utf8.count <= 300 else {
                notice += "…"
                break
            }
            notice.append(character)
        }
        response.setCookie(cookie(Self.flashCookie, EmailTokens.base64URL(Data(notice.utf8)), maxAge: 60))
    }

    /// The notice left by the previous request, if any.
    static func flash(of request: Request) -> String? {
        guard let value = request.cookies[flashCookie]?.value, !value.isEmpty,
            let data = EmailTokens.base64URLDecoded(value)
        else { return nil }
        return String(data: data, encoding: .utf8)
    }

    func clearFlash(on response: inout Response) {
        response.setCookie(cookie(Self.flashCookie, "", maxAge: 0))
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// Reads an `application/x-www-form-urlencoded` body; a malformed or oversized one is a 400.
    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumForm)
        } catch {
            throw FieldError(status: .contentTooLarge, code: "body_too_large", message: "The form is too large.", field: nil)
        }
        guard let pairs = FormEncoding.decode(String(buffer: buffer)) else {
            throw FieldError(status: .badRequest, code: "malformed_form", message: "The form could not be read.", field: nil)
        }
        try FieldError.refusingNUL(pairs)
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }
}
