import Hummingbird
import ServiceLifecycle

/// `GET /v1/entries/{token}/events`: Server-Sent Events for one entry. An `entry`
/// event carries the poll reply whenever it changes (at most once per
/// `minimumGap`), the final status ends the stream, and comments keep idle
/// proxies from closing it. Every stream wakes on the store's decision signal
/// and reads the in-memory board: no database read per stream.
struct LiveUpdates<Context: RequestContext> {
    let store: any EntryStore
    let heartbeat: Duration
    let minimumGap: Duration
    /// Renders one entry as its poll reply.
    let render: @Sendable (EntryView) async throws -> String

    func routes(_ routes: RouteCollection<Context>, perToken: RateLimiter?) {
        routes.get(":token/events") { _, context in
            let token = try context.parameters.require("token")
            if let wait = perToken?.acquire("token:" + token) { throw FirstComeError.rateLimited(retryAfter: wait) }
            _ = try await store.entry(token: token)  // 404 before the stream starts
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    try await stream(token: token) { text in try await writer.write(ByteBuffer(string: text)) }
                    try await writer.finish(nil)
                })
        }
    }

    /// Writes events until the entry is decided, the client goes or the server stops.
    /// While it runs, the entrant counts as present.
    func stream(token: String, write: (String) async throws -> Void) async throws {
        store.streaming(token: token, open: true)
        defer { store.streaming(token: token, open: false) }
        var last = ""
        var lastSent: ContinuousClock.Instant?
        while true {
            if let lastSent, ContinuousClock.now < lastSent + minimumGap {
                try await Task.sleep(until: lastSent + minimumGap)
            }
            let version = store.decisions.version
            let entry = try await store.entry(token: token)
            let data = try await render(entry)
            if data != last {
                try await write("event: entry\ndata: \(data)\n\n")
                last = data
                lastSent = .now
            }
            if entry.status != .waiting { return }
            do {
                if try await !changed(after: version) { try await write(": keep-alive\n\n") }
            } catch is CancellationError {
                return  // graceful shutdown or client gone
            }
        }
    }

    /// Waits for a decision (true) or the heartbeat interval (false); throws on shutdown.
    private func changed(after version: UInt64) async throws -> Bool {
        let signal = store.decisions
        let heartbeat = self.heartbeat
        return try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await signal.wait(after: version)
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: heartbeat)
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                try Task.checkCancellation()
                return first
            }
        }
    }
}
