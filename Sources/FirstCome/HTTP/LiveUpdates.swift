import Hummingbird
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `GET /v1/entries/{token}/events`: Server-Sent Events for one entry. An `entry`
/// event carries the poll reply whenever it changes (at most once per
/// `minimumGap`), the final status ends the stream, and comments keep idle
/// proxies from closing it. Every stream wakes on the store's decision signal
/// and reads the in-memory board: no database read per stream.
///
/// A connection whose first request is a stream is served by `EventStreamConnection`
/// on its event loop instead (see `StreamingHTTP1Channel`); this route serves a
/// stream asked for later on a connection, and both follow `LiveUpdateSteps`.
struct LiveUpdates<Context: RemoteAddressRequestContext> {
    let store: any EntryStore
    let heartbeat: Duration
    let minimumGap: Duration
    /// Renders one entry as its poll reply.
    let render: @Sendable (EntryView) async throws -> String

    func routes(_ routes: RouteCollection<Context>, perToken: RateLimiter?, counts: StreamCounts, clients: ClientAddress) {
        routes.get(":token/events") { request, context in
            let token = try context.parameters.require("token")
            try perToken?.admit(token: token)
            _ = try await store.entry(token: token)  // 404 before the stream starts
            let client = clients.resolve(request, peer: context.remoteAddress)
            try counts.open(token: token, client: client)
            return Response(
                status: .ok,
                headers: LiveUpdateSteps.headers,
                body: ResponseBody { writer in
                    defer { counts.close(token: token, client: client) }
                    try await stream(token: token) { text in try await writer.write(ByteBuffer(string: text)) }
                    try await writer.finish(nil)
                })
        }
    }

    /// Writes events until the entry is decided, the client goes or the server stops.
    /// While it runs, the entrant counts as present.
    func stream(token: String, write: (String) async throws -> Void) async throws {
        store.live.streaming(token: token, open: true)
        defer { store.live.streaming(token: token, open: false) }
        let signal = store.live.decisions
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let heartbeat = LiveUpdateSteps.timeAmount(heartbeat)
        var steps = LiveUpdateSteps(minimumGap: minimumGap)
        while true {
            if let until = steps.holdUntil() { try await Task.sleep(until: until) }
            let version = signal.version
            let entry = try await store.entry(token: token)
            let step = steps.step(reply: try await render(entry), status: entry.status)
            if let text = step.text { try await write(text) }
            if step.done { return }
            // A decision, the heartbeat or shutdown, whichever comes first; no task per wait.
            let ticket = signal.ticket()
            let changed = await withGracefulShutdownHandler {
                await signal.wait(after: version, ticket: ticket, timeout: heartbeat, on: loop)
            } onGracefulShutdown: {
                signal.end(ticket)
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }  // graceful shutdown or client gone
            if !changed { try await write(LiveUpdateSteps.keepAlive) }
        }
    }
}

/// What a live-update stream writes, step by step: the one rule for both ways a
/// stream is served (in a request's task, and on the event loop for a connection
/// opened for it).
struct LiveUpdateSteps {
    /// The response headers of a stream.
    static let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
    /// The comment written when a heartbeat passes without a decision.
    static let keepAlive = ": keep-alive\n\n"

    let minimumGap: Duration
    private var last = ""
    private var lastSent: ContinuousClock.Instant?

    init(minimumGap: Duration) {
        self.minimumGap = minimumGap
    }

    /// When the next event may be written, if that is later than now.
    func holdUntil(now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant? {
        guard let lastSent, now < lastSent + minimumGap else { return nil }
        return lastSent + minimumGap
    }

    /// The event to write for the entry's current poll reply (`nil` when it has
    /// not changed), and whether the stream ends after it (the status is final).
    mutating func step(reply: String, status: EntryStatus) -> (text: String?, done: Bool) {
        var text: String?
        if reply != last {
            text = "event: entry\ndata: \(reply)\n\n"
            last = reply
            lastSent = .now
        }
        return (text, status != .waiting)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
