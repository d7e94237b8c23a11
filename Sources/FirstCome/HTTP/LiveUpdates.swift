import Hummingbird
import NIOCore
import NIOPosix
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
        let signal = store.decisions
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let heartbeat = TimeAmount.nanoseconds(Int64(heartbeat.components.seconds) * 1_000_000_000 + heartbeat.components.attoseconds / 1_000_000_000)
        var last = ""
        var lastSent: ContinuousClock.Instant?
        while true {
            if let lastSent, ContinuousClock.now < lastSent + minimumGap {
                try await Task.sleep(until: lastSent + minimumGap)
            }
            let version = signal.version
            let entry = try await store.entry(token: token)
            let data = try await render(entry)
            if data != last {
                try await write("event: entry\ndata: \(data)\n\n")
                last = data
                lastSent = .now
            }
            if entry.status != .waiting { return }
            // A decision, the heartbeat or shutdown, whichever comes first; no task per wait.
            let ticket = signal.ticket()
            let changed = await withGracefulShutdownHandler {
                await signal.wait(after: version, ticket: ticket, timeout: heartbeat, on: loop)
            } onGracefulShutdown: {
                signal.end(ticket)
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }  // graceful shutdown or client gone
            if !changed { try await write(": keep-alive\n\n") }
        }
    }
}
