import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real SMTP server for tests: `scripts/lib/smtp_sink.py` (aiosmtpd) in a child process, with
/// STARTTLS (a throwaway self-signed certificate) and AUTH. Needs `TASKPULSE_TEST_PYTHON`, a Python
/// with aiosmtpd (scripts/test makes one); `nil` without it.
public final class SMTPSink: Sendable {
    public let port: Int
    public let certificatePath: String
    let outputPath: String
    let process: Process
    let folder: URL

    public static var python: String? { ProcessInfo.processInfo.environment["TASKPULSE_TEST_PYTHON"] }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib/smtp_sink.py").path
    }

    /// Starts a server requiring STARTTLS and the login `user`/`password`.
    public init?(user: String, password: String) throws {
        guard let python = SMTPSink.python else { return nil }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        certificatePath = folder.appendingPathComponent("cert.pem").path
        let keyPath = folder.appendingPathComponent("key.pem").path
        outputPath = folder.appendingPathComponent("messages.jsonl").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certificatePath,
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        // Poll rather than waitUntilExit, which can hang off the main thread on Linux Foundation.
        while openssl.isRunning { usleep(10_000) }
        let pipe = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            SMTPSink.script, "--out", outputPath, "--user", user, "--password", password, "--cert", certificatePath,
            "--key", keyPath,
        ]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    /// The messages the server accepted: sender, recipients and raw data.
    public func messages() -> [(from: String, to: [String], data: String)] {
        guard let text = try? String(contentsOfFile: outputPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return ((object["from"] as? String) ?? "", (object["to"] as? [String]) ?? [], (object["data"] as? String) ?? "")
        }
    }

    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        var status: Int32 = 0
        waitpid(process.processIdentifier, &status, 0)
        try? FileManager.default.removeItem(at: folder)
    }
}
