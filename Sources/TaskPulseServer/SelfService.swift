import Foundation
import Hummingbird
import Logging
import TaskPulseCommands
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// What a person can do for themselves through a screen: create an account, sign in, link a phone,
/// keep tasks and settings. The JSON API and the web pages are two faces of this one service, so a
/// rule (a limit, a validation, an isolation check) is written once.
///
/// Every refusal is a thrown ``FieldError`` naming the field; store faults propagate as they are.
struct SelfService: Sendable {
    let store: any TaskStore
    let clock: any WallClock
    let wakeup: DispatchWakeupSignal
    let defaultTimeZone: String
    let limits: AttemptLimits
    /// The base of links handed out (the calendar feed).
    let publicURL: String

    /// The signed-in person, or 401 when the account is gone.
    func user(_ id: UserID) async throws -> User {
        guard let user = try await store.user(id: id) else { throw FieldError.unauthorized }
        return user
    }

    // MARK: Accounts

    /// Creates an account with a bcrypt (cost 12) password hash.
    func register(email rawEmail: String?, password: String?, timeZone: String?, client: String) async throws -> User {
        guard let email = rawEmail?.trimmingCharacters(in: .whitespaces), !email.isEmpty else {
            throw FieldError.missing("email", "email is required")
        }
        guard CommandParser.isPlausibleEmail(email) else { throw FieldError.invalid("email", "email is not an email address") }
        guard let password, !password.isEmpty else { throw FieldError.missing("password", "password is required") }
        // bcrypt reads at most 72 bytes: a longer password would be silently cut.
        guard password.count >= 8, password.utf8.count <= 72 else {
            throw FieldError.invalid("password", "password must be 8 to 72 bytes long")
        }
        let zone = (timeZone?.isEmpty == false ? timeZone : nil) ?? defaultTimeZone
        guard TimeZone(identifier: zone) != nil else {
            throw FieldError.invalid("time_zone", "time_zone is not an IANA time zone")
        }
        let now = clock.now()
        if let wait = limits.signUpsPerAddress.retryAfter(key: client, now: now) {
            throw AttemptLimits.tooMany(wait, code: "too_many_accounts", message: "too many new accounts from here; try later")
        }
        limits.signUpsPerAddress.recordFailure(key: client, now: now)
        do {
            return try await store.register(
                email: email, passwordHash: try await AuthTokens.hashPassword(password), timeZoneID: zone, now: now)
        } catch AccountError.emailTaken {
            throw FieldError(
                status: .conflict, code: "email_taken", message: "an account with this email already exists", field: "email")
        }
    }

    /// Checks a password. Five failures per account, or twenty per client address, in 15 minutes make
    /// the next tries wait (429 with Retry-After), whether or not the password is right.
    func signIn(email: String?, password: String?, client: String) async throws -> User {
        guard let email = email?.trimmingCharacters(in: .whitespaces), !email.isEmpty else {
            throw FieldError.missing("email", "email is required")
        }
        guard let password, !password.isEmpty else { throw FieldError.missing("password", "password is required") }
        let now = clock.now()
        let accountKey = email.lowercased()
        if let wait = limits.signInPerAccount.retryAfter(key: accountKey, now: now)
            ?? limits.signInPerAddress.retryAfter(key: client, now: now)
        {
            throw AttemptLimits.tooMany(wait, code: "too_many_attempts", message: "too many failed sign-ins; try again later")
        }
        let account = try await store.account(email: email)
        // The same bcrypt work whether or not the account exists: timing does not tell.
        let matches = try await AuthTokens.verifyPassword(password, hash: account?.passwordHash ?? AuthTokens.decoyHash)
        guard let account, matches else {
            limits.signInPerAccount.recordFailure(key: accountKey, now: now)
            limits.signInPerAddress.recordFailure(key: client, now: now)
            throw FieldError(
                status: .unauthorized, code: "invalid_credentials", message: "email or password is wrong", field: nil)
        }
        limits.signInPerAccount.reset(key: accountKey)
        return account.user
    }

    // MARK: Linking a phone

    /// Texts a 6-digit code to the number to link (10 minutes, three an hour per account and number).
    func requestPhoneCode(_ userID: UserID, phone text: String?) async throws -> Phone {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw FieldError.missing("phone", "phone is required")
        }
        guard let phone = Phone(text) else { throw FieldError.invalid("phone", "phone is not a phone number") }
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000))
        switch try await store.requestPhoneCode(userID: userID, phone: phone, code: code, now: clock.now()) {
        case .sent:
            wakeup.signal()
            return phone
        case .rateLimited:
            throw FieldError(
                status: .tooManyRequests, code: "too_many_codes", message: "three codes an hour at most; try later",
                field: "phone", retryAfter: 3600)
        case .alreadyLinked:
            throw FieldError(
                status: .conflict, code: "phone_already_linked", message: "this account already has a phone", field: "phone")
        }
    }

    /// Checks a code. Ten wrong codes per client address in 15 minutes make it wait, on top of the five
    /// tries each code has. Answers the person the account now is (another one when the number already
    /// texted the service: the account merged into it).
    func verifyPhone(_ userID: UserID, code text: String?, client: String) async throws -> (user: User, merged: Bool) {
        guard let code = text?.trimmingCharacters(in: .whitespaces), !code.isEmpty else {
            throw FieldError.missing("code", "code is required")
        }
        let now = clock.now()
        if let wait = limits.codeChecksPerAddress.retryAfter(key: client, now: now) {
            throw AttemptLimits.tooMany(wait, code: "too_many_attempts", message: "too many wrong codes; try again later")
        }
        switch try await store.verifyPhoneCode(userID: userID, code: code, now: now) {
        case .linked(let person, let merged):
            return (try await user(person), merged)
        case .wrongCode(let left):
            limits.codeChecksPerAddress.recordFailure(key: client, now: now)
            throw FieldError(
                status: .badRequest, code: "wrong_code", message: "that code is not right; \(left) tries left", field: "code")
        case .noCode:
            limits.codeChecksPerAddress.recordFailure(key: client, now: now)
            throw FieldError(status: .gone, code: "no_code", message: "no live code: ask for a new one", field: "code")
        case .linkedToAnotherAccount:
            throw FieldError(
                status: .conflict, code: "phone_in_other_account",
                message: "this number belongs to another account: sign in to that one", field: "code")
        }
    }

    // MARK: Calendar

    /// Makes a new secret calendar feed URL; the old one stops working.
    func rotateCalendar(_ userID: UserID) async throws -> String {
        let token = EmailTokens.make()
        try await store.rotateCalendarToken(userID: userID, token: token)
        return "\(publicURL)/calendar/\(token).ics"
    }
}
