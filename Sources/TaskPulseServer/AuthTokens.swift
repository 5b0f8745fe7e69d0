import Crypto
import Foundation
import HummingbirdBcrypt
import JWTKit
import NIOPosix
import TaskPulseDomain
import TaskPulseStorage

/// The claims in an API access token: who, which session (so logout revokes it at once), until when.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var sid: String
    var exp: ExpirationClaim
    var iat: IssuedAtClaim

    /// Expiry is checked against the service's clock by ``AuthTokens`` (a fake one in tests).
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and checks API tokens (DESIGN §6): short-lived JWT access tokens (HS256) and opaque rotating
/// refresh tokens whose SHA-256 the store keeps. Every access token names its session; the store says
/// whether that session is still current, so logout works at once.
struct AuthTokens: Sendable {
    static let accessLifetime: TimeInterval = 15 * 60
    static let refreshLifetime: TimeInterval = 30 * 86_400

    let keys: SigningKeys
    let store: any TaskStore
    let clock: any WallClock

    init(secret: String, store: any TaskStore, clock: any WallClock) {
        self.keys = SigningKeys(secret: secret)
        self.store = store
        self.clock = clock
    }

    /// The HS256 key collection, made on first use (adding a key is async).
    actor SigningKeys {
        private let secret: String
        private var collection: JWTKeyCollection?

        init(secret: String) { self.secret = secret }

        func get() async -> JWTKeyCollection {
            if let collection { return collection }
            let made = JWTKeyCollection()
            await made.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            collection = made
            return made
        }
    }

    /// The token pair answered by register, login and refresh.
    struct Issued: Encodable {
        var accessToken: String
        var refreshToken: String
        var tokenType = "Bearer"
        var expiresIn = Int(AuthTokens.accessLifetime)

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", refreshToken = "refresh_token", tokenType = "token_type"
            case expiresIn = "expires_in"
        }
    }

    /// Starts a new session for `userID`.
    func startSession(for userID: UserID) async throws -> Issued {
        let now = clock.now()
        let sessionID = EmailTokens.make()
        let refresh = EmailTokens.make()
        try await store.startSession(
            userID: userID, sessionID: sessionID, refreshTokenHash: EmailTokens.hash(refresh),
            expiresAt: now.addingTimeInterval(AuthTokens.refreshLifetime), now: now)
        return Issued(accessToken: try await access(userID: userID, sessionID: sessionID, now: now), refreshToken: refresh)
    }

    /// Spends `refreshToken` for a new pair in the same session.
    func refresh(_ refreshToken: String) async throws -> Result<Issued, RefreshFailure> {
        let now = clock.now()
        let next = EmailTokens.make()
        switch try await store.rotateRefreshToken(
            presentedHash: EmailTokens.hash(refreshToken), newHash: EmailTokens.hash(next),
            expiresAt: now.addingTimeInterval(AuthTokens.refreshLifetime), now: now)
        {
        case .rotated(let userID, let sessionID):
            return .success(
                Issued(accessToken: try await access(userID: userID, sessionID: sessionID, now: now), refreshToken: next))
        case .reused: return .failure(.reused)
        case .invalid: return .failure(.invalid)
        }
    }

    enum RefreshFailure: Error {
        case reused, invalid
    }

    /// Starts a session for the web pages: one signed token, kept in an HttpOnly cookie, that lasts
    /// `lifetime` (no refresh token is handed out; signing out revokes the session like API logout).
    func startWebSession(for userID: UserID, lifetime: TimeInterval) async throws -> (token: String, sessionID: String) {
        let now = clock.now()
        let sessionID = EmailTokens.make()
        // The store keeps a refresh token per session; this one is never shown, so it can never be spent.
        try await store.startSession(
            userID: userID, sessionID: sessionID, refreshTokenHash: EmailTokens.hash(EmailTokens.make()),
            expiresAt: now.addingTimeInterval(lifetime), now: now)
        return (try await access(userID: userID, sessionID: sessionID, now: now, lifetime: lifetime), sessionID)
    }

    private func access(
        userID: UserID, sessionID: String, now: Date, lifetime: TimeInterval = AuthTokens.accessLifetime
    ) async throws -> String {
        try await keys.get().sign(
            AccessClaims(
                sub: SubjectClaim(value: String(userID.rawValue)), sid: sessionID,
                exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)), iat: IssuedAtClaim(value: now)))
    }

    /// The person and session behind a bearer token, or `nil` when it is malformed, forged, expired or
    /// its session has ended.
    func authenticate(_ token: String) async throws -> (userID: UserID, sessionID: String)? {
        guard let claims = try? await keys.get().verify(token, as: AccessClaims.self),
            claims.exp.value > clock.now(), let id = Int64(claims.sub.value)
        else { return nil }
        let userID = UserID(id)
        guard try await store.isSessionActive(id: claims.sid, userID: userID) else { return nil }
        return (userID, claims.sid)
    }

    /// Bcrypt (cost 12) for passwords, on NIO's blocking thread pool: a quarter second of CPU must not
    /// hold a thread of the cooperative pool that webhooks and the dispatcher share.
    static func hashPassword(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: 12) }
    }

    static func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A real hash to compare against when the account does not exist, so both paths take as long.
    static let decoyHash = Bcrypt.hash("decoy password for timing", cost: 12)
}
