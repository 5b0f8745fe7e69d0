import Foundation
import TaskPulseDispatch
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseStorage
import Testing

@Suite("Twilio signatures, TwiML, retry policy, configuration")
struct UnitTests {
    @Test("Twilio's published signature vector (twilio-python's request_validator tests)")
    func signatureVector() {
        let fields = [
            ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
            ("From", "+14158675309"), ("To", "+18005551212"),
        ]
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        let signature = TwilioSignature(authToken: "12345")
        #expect(signature.compute(url: url, fields: fields) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(signature.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: url, fields: fields.reversed()))
        #expect(!signature.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: url + "&x=1", fields: fields))
        #expect(
            !TwilioSignature(authToken: "54321").isValid(
                signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: url, fields: fields))
    }

    @Test("a signature made with the default port stated or left out both validate")
    func portVariants() {
        let signature = TwilioSignature(authToken: "12345")
        let fields = [("Body", "hi")]
        let withPort = signature.compute(url: "https://example.com:443/twilio/sms", fields: fields)
        #expect(signature.isValid(signature: withPort, url: "https://example.com/twilio/sms", fields: fields))
        let withoutPort = signature.compute(url: "https://example.com/twilio/sms", fields: fields)
        #expect(signature.isValid(signature: withoutPort, url: "https://example.com:443/twilio/sms", fields: fields))
    }

    @Test("repeated field names sort by value too")
    func repeatedNames() {
        let signature = TwilioSignature(authToken: "t")
        let a = signature.compute(url: "https://x/y", fields: [("M", "2"), ("M", "1")])
        let b = signature.compute(url: "https://x/y", fields: [("M", "1"), ("M", "2")])
        #expect(a == b)
    }

    @Test("TwiML escapes XML and answers no reply with an empty Response")
    func twiml() {
        #expect(
            TwiML.response(messages: ["a & b <c> \"d\""])
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>a &amp; b &lt;c&gt; \"d\"</Message></Response>"
        )
        #expect(TwiML.response(messages: [""]) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")
        #expect(TwiML.escape("bell\u{7}") == "bell")
    }

    @Test("form decoding: plus is space, percent escapes are UTF-8, malformed escapes are refused")
    func forms() throws {
        let fields = try #require(FormEncoding.decode("Body=caf%C3%A9+%F0%9F%8E%82&From=%2B1555"))
        #expect(fields.map(\.0) == ["Body", "From"])
        #expect(fields[0].1 == "café 🎂")
        #expect(fields[1].1 == "+1555")
        #expect(FormEncoding.decode("Body=%ZZ") == nil)
        #expect(FormEncoding.decode("Body=%FF") == nil)
        #expect(FormEncoding.decode(FormEncoding.encode([("a b", "🎂&=+")]))?.first?.1 == "🎂&=+")
        // Encoding as Twilio's own libraries send a message: unreserved bytes kept, space as +, the rest %XX.
        #expect(
            FormEncoding.encode([("To", "+15551230000"), ("Body", "Call mom: 9am (été) 100%~*-._/\n")])
                == "To=%2B15551230000&Body=Call+mom%3A+9am+%28%C3%A9t%C3%A9%29+100%25%7E*-._%2F%0A")
        #expect(FormEncoding.encode([]) == "")
        #expect(FormEncoding.encode([("", "")]) == "=")
    }

    @Test("backoff grows exponentially with jitter, honours Retry-After, and stops at the limit")
    func retryPolicy() throws {
        let policy = RetryPolicy(baseDelay: 2, maximumDelay: 600, maximumAttempts: 5)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0) == 1)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 1) == 2)
        #expect(policy.delay(afterAttempt: 4, retryAfter: nil, random: 0.5) == 12)
        #expect(policy.delay(afterAttempt: 2, retryAfter: 30, random: 0) == 30)
        #expect(policy.delay(afterAttempt: 5, retryAfter: nil, random: 0) == nil)
        let capped = RetryPolicy(baseDelay: 2, maximumDelay: 60, maximumAttempts: 50)
        #expect(try #require(capped.delay(afterAttempt: 40, retryAfter: nil, random: 1)) == 60)
    }

    @Test("Twilio answers are classified: transient, opted out, invalid, permanent")
    func classification() {
        #expect(
            TwilioErrorClassifier.classify(status: 429, code: 20429, message: "", retryAfter: 3)
                == .transient(errorCode: "20429", message: "", retryAfterSeconds: 3))
        #expect(
            TwilioErrorClassifier.classify(status: 503, code: nil, message: "", retryAfter: nil)
                == .transient(errorCode: "http-503", message: "", retryAfterSeconds: nil))
        #expect(
            TwilioErrorClassifier.classify(status: 400, code: 21610, message: "", retryAfter: nil)
                == .recipientOptedOut(errorCode: "21610", message: ""))
        #expect(
            TwilioErrorClassifier.classify(status: 400, code: 21211, message: "", retryAfter: nil)
                == .recipientInvalid(errorCode: "21211", message: ""))
        #expect(
            TwilioErrorClassifier.classify(status: 401, code: 20003, message: "", retryAfter: nil)
                == .permanent(errorCode: "20003", message: ""))
    }

    @Test("iCalendar lines fold at 75 octets without splitting a character, and TEXT is escaped")
    func calendarFolding() {
        let line = "SUMMARY:" + String(repeating: "é", count: 40) + "🎂🎂🎂" + String(repeating: "x", count: 30)
        let folded = CalendarFeed.fold(line)
        let parts = folded.components(separatedBy: "\r\n")
        #expect(parts.count == 2 && parts.allSatisfy { $0.utf8.count <= 75 } && parts[1].hasPrefix(" "))
        #expect(parts[0] + parts[1].dropFirst() == line)
        #expect(CalendarFeed.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne")
    }

    @Test("the default configuration is dev mode on SQLite in ./data")
    func defaults() throws {
        let configuration = try TaskPulseConfiguration(environment: [:])
        #expect(configuration.isDevMode)
        #expect(configuration.database == .sqlite(path: "data/taskpulse.sqlite"))
        #expect(configuration.port == 8080)
        #expect(!configuration.description.contains(configuration.webhookAuthToken))
    }

    @Test("a PostgreSQL URL is read with its options; a bad one stops start-up naming the variable; logs hide the password")
    func postgresURL() throws {
        let configuration = try TaskPulseConfiguration(environment: [
            "TASKPULSE_DATABASE_URL": "postgres://task%40pulse:s%3Acret@db.internal:6543/tasks?sslmode=require&pool_size=4",
            "TASKPULSE_DISPATCH_LEASE_SECONDS": "90",
        ])
        guard case .postgres(let settings) = configuration.database else {
            Issue.record("expected PostgreSQL, got \(configuration.database)")
            return
        }
        #expect(settings.host == "db.internal" && settings.port == 6543 && settings.database == "tasks")
        #expect(settings.username == "task@pulse" && settings.password == "s:cret")
        #expect(settings.tls == .require && settings.poolSize == 4 && settings.searchPath == nil)
        #expect(configuration.dispatchLease == 90)
        #expect(!configuration.description.contains("cret"))
        for (variable, value) in [
            ("TASKPULSE_DATABASE_URL", "postgres://user@db.internal"),
            ("TASKPULSE_DATABASE_URL", "postgres://db.internal/tasks"),
            ("TASKPULSE_DATABASE_URL", "postgres://user@db.internal/tasks?sslmode=maybe"),
            ("TASKPULSE_DATABASE_URL", "postgres://user@db.internal/tasks?pool_size=0"),
            ("TASKPULSE_DATABASE_URL", "postgres://user@db.internal/tasks?search_path=a;drop"),
            ("TASKPULSE_DATABASE_URL", "postgres://user@db.internal/tasks?poolsize=4"),
            ("TASKPULSE_DATABASE_URL", "mysql://user@db.internal/tasks"),
            ("TASKPULSE_DISPATCH_LEASE_SECONDS", "10"),
        ] {
            do {
                _ = try TaskPulseConfiguration(environment: [variable: value])
                Issue.record("\(variable)=\(value) was accepted")
            } catch {
                #expect(error.variable == variable)
            }
        }
    }

    @Test("mail: SMTP when SMTP_URL is set, the dev mailbox in dev mode, none with Twilio and no SMTP_URL")
    func mailModes() throws {
        let smtp = try TaskPulseConfiguration(environment: [
            "SMTP_URL": "smtps://u:p@mail.example.com", "MAIL_FROM": "tasks@example.com",
        ])
        guard case .smtp(let settings) = smtp.mailMode else {
            Issue.record("expected SMTP, got \(smtp.mailMode)")
            return
        }
        #expect(settings.port == 465 && settings.from == "tasks@example.com")
        #expect(!smtp.description.contains("u:p"))
        #expect(try TaskPulseConfiguration(environment: [:]).mailMode == .devOutbox)
        let twilio = try TaskPulseConfiguration(environment: [
            "TWILIO_ACCOUNT_SID": "ACxxxxxxxxxxxx", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+15550001111",
            "TASKPULSE_PUBLIC_URL": "https://tasks.example.com",
        ])
        #expect(twilio.mailMode == .none)
        #expect(twilio.linkBaseURL == "https://tasks.example.com")
    }

    @Test(
        "a bad value names its variable",
        arguments: [
            (["TASKPULSE_PORT": "http"], "TASKPULSE_PORT"),
            (["TASKPULSE_DEFAULT_TIMEZONE": "Mars/Olympus"], "TASKPULSE_DEFAULT_TIMEZONE"),
            (["TASKPULSE_PUBLIC_URL": "example.com"], "TASKPULSE_PUBLIC_URL"),
            (["TWILIO_ACCOUNT_SID": "ACxxxxxxxxxxxx"], "TWILIO_AUTH_TOKEN"),
            (["TWILIO_ACCOUNT_SID": "ACxxxxxxxxxxxx", "TWILIO_AUTH_TOKEN": "t"], "TWILIO_FROM_NUMBER"),
            (
                [
                    "TWILIO_ACCOUNT_SID": "ACxxxxxxxxxxxx", "TWILIO_AUTH_TOKEN": "t",
                    "TWILIO_FROM_NUMBER": "+15550001111",
                ],
                "TASKPULSE_PUBLIC_URL"
            ),
            (["TASKPULSE_DATABASE_URL": "postgres://localhost/x"], "TASKPULSE_DATABASE_URL"),
            (["TWILIO_API_BASE": "ftp://x"], "TWILIO_API_BASE"),
            (["SMTP_URL": "smtp://mail.example.com"], "MAIL_FROM"),
            (["SMTP_URL": "smtp://mail.example.com", "MAIL_FROM": "Tasks <t@example.com>"], "MAIL_FROM"),
            (["SMTP_URL": "imap://mail.example.com", "MAIL_FROM": "t@example.com"], "SMTP_URL"),
            (
                ["SMTP_URL": "smtp://mail.example.com", "MAIL_FROM": "t@example.com", "SMTP_CA_FILE": "/nonexistent.pem"],
                "SMTP_CA_FILE"
            ),
            (["TASKPULSE_TRUSTED_PROXIES": "10.0.0.1, proxy.local"], "TASKPULSE_TRUSTED_PROXIES"),
        ])
    func badValues(environment: [String: String], variable: String) {
        #expect(throws: ConfigurationError.self) { try TaskPulseConfiguration(environment: environment) }
        do {
            _ = try TaskPulseConfiguration(environment: environment)
        } catch {
            #expect(error.variable == variable)
        }
    }
}
