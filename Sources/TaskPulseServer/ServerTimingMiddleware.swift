import Hummingbird

/// Adds `Server-Timing: app;dur=<ms>` to every response: the time from the router receiving the request
/// to the response being ready (parsing and writing the HTTP bytes excluded). Benchmarks read it to
/// report the server's own time apart from the network and the load tool; operators see it in browser
/// developer tools. Carries no data beyond the duration.
struct ServerTimingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.init("Server-Timing")!] = Self.header(ContinuousClock.now - start)
        return response
    }

    /// "app;dur=0.412" (milliseconds, three decimals).
    static func header(_ elapsed: Duration) -> String {
        let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let milliseconds = microseconds / 1000
        let fraction = String(microseconds % 1000)
        return "app;dur=\(milliseconds).\(String(repeating: "0", count: 3 - fraction.count) + fraction)"
    }
}
