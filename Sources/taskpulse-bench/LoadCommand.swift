import ArgumentParser

import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif


import Synchronization
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseTestSupport

/// Open-loop webhook load: signed texts at a fixed rate, each with its own `MessageSid`, latency counted
/// from the moment each request was due to leave (so a stalled server cannot hide behind a slow client:
/// no coordinated omission). Every request is built and signed before the clock starts.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Send signed Twilio texts at a fixed rate and report latency.")

    @Option(help: "The webhook URL (also the URL that is signed).") var url: String
    @Option(help: "Twilio auth token that signs the requests.") var authToken: String
    @Option(help: "Requests per second.") var rate: Int = 2000
    @Option(help: "Seconds to run.") var duration: Int = 20
    @Option(help: "Distinct sender numbers.") var phones: Int = 100
    @Option(help: "Senders are +1555 followed by this number plus 0..<phones.") var phoneBase: Int = 2_000_000
    @Option(help: "Connections to the service.") var connections: Int = 32
    @Option(help: "Comma-separated bodies, chosen in turn; {i} becomes the request's index.") var bodies: String = "add buy milk at 18:30,list,done 1"
    @Option(help: "Seed for the phone choice.") var seed: UInt64 = 7

    func validate() throws {
        guard rate > 0, duration > 0, phones > 0, connections > 0 else {
            throw ValidationError("rate, duration, phones and connections must be positive")
        }
        guard let host = URL(string: url)?.host, ["127.0.0.1", "localhost", "::1"].contains(host) else {
            throw ValidationError("--url must be a loopback address")
        }
    }

    func run() async throws {
        guard let target = URL(string: url), let host = target.host, let port = target.port else {
            throw ValidationError("--url needs an explicit host and port")
        }
        let requests = prepareRequests(host: host, port: port, path: target.path)
        let state = LoadState()
        let interval = 1.0 / Double(rate)
        let start = monotonicSeconds() + 0.2
        // One thread per connection, each with its own schedule (request i leaves at start + i/rate), as
        // wrk2 does: blocking sockets cost a few syscalls per request, so the load tool takes little of the
        // CPU it shares with the service.
        let threads = (0..<connections).map { lane in
            Thread {
                var connection: Int32 = -1
                for index in stride(from: lane, to: requests.count, by: connections) {
                    let due = start + Double(index) * interval
                    let wait = due - monotonicSeconds()
                    if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
                    if connection < 0 { connection = openConnection(host: host, port: port) }
                    let (status, serverTime) = connection < 0 ? (0, nil) : exchange(requests[index], on: connection)
                    if status == 0, connection >= 0 {
                        close(connection)
                        connection = -1
                    }
                    let latency = monotonicSeconds() - due
                    state.results.withLock { $0.record(status: status, latency: latency, serverTime: serverTime) }
                }
                if connection >= 0 { close(connection) }
                state.finished.add(1, ordering: .relaxed)
            }
        }
        for thread in threads { thread.start() }
        while state.finished.load(ordering: .relaxed) < connections { try await Task.sleep(for: .milliseconds(20)) }
        let elapsed = monotonicSeconds() - start
        print(state.results.withLock { $0.summary(sent: requests.count, elapsed: elapsed, rate: rate) })
        if state.results.withLock({ $0.failures > 0 }) { throw ExitCode(1) }
    }

    /// Every request of the run as raw HTTP/1.1 bytes, signed for `url`, bodies in turn, phones drawn
    /// with a fixed seed, each with its own `MessageSid`.
    private func prepareRequests(host: String, port: Int, path: String) -> [[UInt8]] {
        let signature = TwilioSignature(authToken: authToken)
        let texts = bodies.split(separator: ",").map(String.init)
        var generator = SplitMix64(seed: seed)
        // A fresh run id each run: a MessageSid seen before would be answered from the replay record.
        let runID = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
        return (0..<(rate * duration)).map { index in
            let serial = String(index, radix: 16)
            let sid = "SM" + runID + String(repeating: "0", count: max(0, 24 - serial.count)) + serial
            let phone = "+1555" + String(phoneBase + Int(generator.next() % UInt64(phones)))
            let fields = [
                ("MessageSid", sid), ("SmsSid", sid), ("SmsMessageSid", sid),
                ("AccountSid", "ACbench00000000000000000000000000"), ("From", phone), ("To", "+15550009999"),
                ("Body", texts[index % texts.count].replacingOccurrences(of: "{i}", with: String(index))), ("NumMedia", "0"), ("NumSegments", "1"),
                ("SmsStatus", "received"), ("ApiVersion", "2010-04-01"),
            ]
            let body = FormEncoding.encode(fields)
            let head =
                "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\n"
                + "X-Twilio-Signature: \(signature.compute(url: url, fields: fields))\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n"
            return Array((head + body).utf8)
        }
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

/// A TCP connection to `host:port` with Nagle off, or -1.
func openConnection(host: String, port: Int) -> Int32 {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return -1 }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr)
    var on: Int32 = 1
    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    if connected != 0 {
        close(descriptor)
        return -1
    }
    return descriptor
}

/// Sends one request and reads its whole response (Content-Length bodies): the status (0 when the
/// connection failed or closed) and the server's own time from its `Server-Timing` header (seconds).
func exchange(_ request: [UInt8], on descriptor: Int32) -> (status: Int, serverTime: Double?) {
    var sent = 0
    while sent < request.count {
        let written = request.withUnsafeBytes { write(descriptor, $0.baseAddress! + sent, request.count - sent) }
        if written <= 0 { return (0, nil) }
        sent += written
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16_384)
    var headerEnd: Int?
    var bodyLength = 0
    var serverTime: Double?
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if count <= 0 { return (0, nil) }
        received.append(contentsOf: buffer[0..<count])
        if headerEnd == nil, let end = headerEndIndex(received) {
            headerEnd = end
            let head = String(decoding: received[0..<end], as: UTF8.self).lowercased()
            let lines = head.split(separator: "\r\n")
            if let line = lines.first(where: { $0.hasPrefix("content-length:") }) {
                bodyLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            }
            if let line = lines.first(where: { $0.hasPrefix("server-timing:") }), let range = line.range(of: "dur=") {
                serverTime = Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." }).map { $0 / 1000 }
            }
        }
        if let end = headerEnd, received.count >= end + bodyLength {
            let statusLine = String(decoding: received.prefix(12), as: UTF8.self)
            return (Int(statusLine.dropFirst(9).prefix(3)) ?? 0, serverTime)
        }
    }
}

private func headerEndIndex(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
        return index + 4
    }
    return nil
}

/// Shared by the connection threads.
final class LoadState: Sendable {
    let results = Mutex(LoadResults())
    let finished = Atomic<Int>(0)
}

/// What the run saw: answers by status and each request's latency.
struct LoadResults {
    var statuses: [Int: Int] = [:]
    var latencies: [Double] = []
    var serverTimes: [Double] = []

    var failures: Int { statuses.filter { !(200..<300).contains($0.key) }.values.reduce(0, +) }

    mutating func record(status: Int, latency: Double, serverTime: Double?) {
        statuses[status, default: 0] += 1
        latencies.append(latency)
        if let serverTime { serverTimes.append(serverTime) }
    }

    func summary(sent: Int, elapsed: Double, rate: Int) -> String {
        let sorted = latencies.sorted()
        let server = serverTimes.sorted()
        // Nearest rank.
        func percentile(_ q: Double, of values: [Double] = sorted) -> String {
            guard !values.isEmpty else { return "-" }
            let rank = max(0, min(values.count - 1, Int((q / 100 * Double(values.count)).rounded(.up)) - 1))
            return milliseconds(values[rank])
        }
        let seconds = elapsed
        let answered = latencies.count
        let statusText = statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "no answer" : String($0.key)): \($0.value)" }
            .joined(separator: ", ")
        return """
            RESULT rate=\(rate)/s requests=\(sent) answered=\(answered) achieved=\(String(format: "%.0f", Double(answered) / seconds))/s \
            p50=\(percentile(50))ms p90=\(percentile(90))ms p99=\(percentile(99))ms p99.9=\(percentile(99.9))ms \
            max=\(sorted.last.map(milliseconds) ?? "-")ms statuses={\(statusText)} \
            server_p50=\(percentile(50, of: server))ms server_p99=\(percentile(99, of: server))ms \
            server_max=\(server.last.map(milliseconds) ?? "-")ms
            """
    }

    private func milliseconds(_ seconds: Double) -> String {
        String(format: "%.2f", seconds * 1000)
    }
}
