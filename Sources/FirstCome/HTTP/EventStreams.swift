import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// What every live-update stream served on an event loop shares: the store, the
/// rule's timings, how a reply is rendered, and the same limits, metrics and
/// access log the router applies to `GET /v1/entries/{token}/events`.
final class EventStreams: Sendable {
    /// The route's label in the metrics, as the router names it.
    static let route = "/v1/entries/{token}/events"

    let store: any EntryStore
    let heartbeat: Duration
    let minimumGap: Duration
    /// The poll reply when it needs nothing asynchronous; `nil` sends the entry to `render`.
    let renderNow: @Sendable (EntryView) -> String?
    let render: @Sendable (EntryView) async throws -> String
    let perClient: RateLimiter?
    let perToken: RateLimiter?
    /// Streams open at once per token and per client address (both paths share it).
    let counts: StreamCounts
    let clients: ClientAddress
    let metrics: FirstComeMetrics
    /// Set with `--access-log`.
    let accessLog: Logger?
    let serverName: String

    init(
        store: any EntryStore, heartbeat: Duration, minimumGap: Duration, renderNow: @escaping @Sendable (EntryView) -> String?,
        render: @escaping @Sendable (EntryView) async throws -> String, perClient: RateLimiter?, perToken: RateLimiter?,
        counts: StreamCounts, clients: ClientAddress, metrics: FirstComeMetrics, accessLog: Logger?, serverName: String
    ) {
        self.store = store
        self.heartbeat = heartbeat
        self.minimumGap = minimumGap
        self.renderNow = renderNow
        self.render = render
        self.perClient = perClient
        self.perToken = perToken
        self.counts = counts
        self.clients = clients
        self.metrics = metrics
        self.accessLog = accessLog
        self.serverName = serverName
    }

    /// The token of a request this path can serve: exactly
    /// `GET /v1/entries/{token}/events`, no query, no body, and an entry this
    /// node knows. Anything else (including every error) goes to the router.
    func token(of head: HTTPRequest) -> String? {
        guard head.method == .get, let path = head.path, !path.contains("?"),
            head.headerFields[.contentLength].map({ $0 == "0" }) ?? true, head.headerFields[.transferEncoding] == nil
        else { return nil }
        let prefix = "/v1/entries/"
        let suffix = "/events"
        guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.utf8.count == prefix.utf8.count + 32 + suffix.utf8.count else {
            return nil
        }
        let token = String(path.dropFirst(prefix.count).dropLast(suffix.count))
        return store.live.entryInMemory(token: token) == nil ? nil : token
    }

    /// The client's address as the router's middlewares see it.
    func client(of head: HTTPRequest, peer: SocketAddress?) -> String {
        clients.resolve(Request(head: head, body: .init(buffer: ByteBuffer())), peer: peer)
    }

    /// A refusal by one of the limits, checked in the router's order (address,
    /// then token, then the streams open); without one the stream is counted
    /// open until `counts.close`.
    func limit(token: String, client: String) -> FirstComeError? {
        do throws(FirstComeError) {
            try perClient?.admit(client: client)
            try perToken?.admit(token: token)
            try counts.open(token: token, client: client)
            return nil
        } catch {
            return error
        }
    }

    /// The response headers of a stream: the route's, the server's name, the date,
    /// and `Connection: close` (the connection ends with the stream).
    func headers(now: Date = Date()) -> HTTPFields {
        var headers = LiveUpdateSteps.headers
        headers[.date] = HTTPDate.format(now)
        headers[.server] = serverName
        headers[.connection] = "close"
        return headers
    }

    /// Streams woken at once (a decision wakes them all) are served this many at
    /// a time per event loop, with `wakePause` between batches, so the loop
    /// accepts, reads and answers other connections while a crowd of streams
    /// waits its turn. A stream's next wait starts only after its turn: when the
    /// line moves faster than the streams can be written, each gets fewer,
    /// newer events instead of taking the loop from everyone else.
    static let wakeBatch = 32
    static let wakePause = TimeAmount.milliseconds(1)

    private struct Pending {
        var wakes: [@Sendable () -> Void] = []
        /// Wakes before this index have run.
        var next = 0
        var scheduled = false
    }

    private let pending = Mutex<[ObjectIdentifier: Pending]>([:])

    /// Runs `work` on `loop` in its turn among the woken streams.
    func wake(on loop: any EventLoop, _ work: @escaping @Sendable () -> Void) {
        let key = ObjectIdentifier(loop)
        let schedule = pending.withLock { table -> Bool in
            table[key, default: Pending()].wakes.append(work)
            if table[key]!.scheduled { return false }
            table[key]!.scheduled = true
            return true
        }
        if schedule { loop.execute { self.runBatch(on: loop) } }
    }

    /// Runs the next batch of woken streams on `loop`, and schedules the one after.
    private func runBatch(on loop: any EventLoop) {
        let key = ObjectIdentifier(loop)
        let (batch, more) = pending.withLock { table -> (ArraySlice<@Sendable () -> Void>, Bool) in
            guard table[key] != nil else { return ([], false) }
            let end = min(table[key]!.next + Self.wakeBatch, table[key]!.wakes.count)
            let batch = table[key]!.wakes[table[key]!.next..<end]
            table[key]!.next = end
            if end == table[key]!.wakes.count {
                table[key]!.wakes.removeAll(keepingCapacity: true)
                table[key]!.next = 0
                table[key]!.scheduled = false
                return (batch, false)
            }
            return (batch, true)
        }
        for work in batch { work() }
        if more { loop.scheduleTask(in: Self.wakePause) { self.runBatch(on: loop) } }
    }

    /// Counts and logs a finished request the way the middlewares do.
    func record(status: Int, start: ContinuousClock.Instant, path: String, client: String) {
        metrics.recordRequest(route: Self.route, method: "GET", status: status, duration: .now - start)
        if let accessLog {
            AccessLogMiddleware<AppRequestContext>.log(accessLog, method: "GET", path: path, status: status, start: start, client: client)
        }
    }
}

/// An HTTP date (RFC 9110, IMF-fixdate): `Tue, 01 Dec 2026 04:00:00 GMT`.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
