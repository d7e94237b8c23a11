import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The two entrant requests a crowd sends most, served on the connection's
/// event loop (`EntrantLaneHandler`) instead of through the async channel, a
/// task and the router: `POST /v1/events/{id}/entries` and
/// `GET /v1/entries/{token}`. They run the router's own rules
/// (`EntryController`, the same limits in the same order, the same error
/// mapping, metrics and access log); only the way the request reaches them and
/// the reply leaves is shorter. A submission is answered from the committing
/// thread's callback, after its commit.
final class EntrantLane: Sendable {
    /// What a request on the lane asks for.
    enum Route: Sendable {
        case submit(event: String)
        case poll(token: String)

        /// The route's label in the metrics, as the router names it.
        var label: String {
            switch self {
            case .submit: "/v1/events/{id}/entries"
            case .poll: "/v1/entries/{token}"
            }
        }

        var method: String {
            switch self {
            case .submit: "POST"
            case .poll: "GET"
            }
        }
    }

    /// A reply: its status and JSON body.
    typealias Reply = (status: HTTPResponse.Status, body: ByteBuffer)

    let entries: EntryController<AppRequestContext>
    /// The limits, client addresses, access log and server name the streams use too.
    let streams: EventStreams
    let logger: Logger
    private let dates = HTTPDateCache()
    private let mailbox = LoopMailbox()

    init(entries: EntryController<AppRequestContext>, streams: EventStreams, logger: Logger) {
        self.entries = entries
        self.streams = streams
        self.logger = logger
    }

    /// The lane's route for a request head, or `nil` for the router: only the two
    /// routes, with no query, a JSON body of a declared length (submit) or none
    /// (poll), and nothing that changes how the connection goes on (`Expect`,
    /// `Transfer-Encoding`, `Connection: close`).
    func route(of head: HTTPRequest) -> Route? {
        guard let path = head.path, head.headerFields[.transferEncoding] == nil, head.headerFields[.expect] == nil,
            !(head.headerFields[.connection].map { $0.lowercased().contains("close") } ?? false)
        else { return nil }
        let length = head.headerFields[.contentLength]
        switch head.method {
        case .post:
            guard let id = Self.segment(of: path, after: "/v1/events/", before: "/entries"),
                let length = length.flatMap({ Int($0) }), (1...JSONBody.maxBytes).contains(length),
                let contentType = head.headerFields[.contentType], JSONBody.isJSON(contentType)
            else { return nil }
            return .submit(event: id)
        case .get:
            guard length == nil || length == "0", let token = Self.segment(of: path, after: "/v1/entries/", before: "") else {
                return nil
            }
            return .poll(token: token)
        default:
            return nil
        }
    }

    /// The one path segment between `prefix` and `suffix`: 1 to 64 bytes of
    /// letters, digits, `-` and `_` (event ids and entrant tokens need no more,
    /// and nothing in it needs decoding).
    static func segment(of path: String, after prefix: String, before suffix: String) -> String? {
        var utf8 = Substring(path).utf8
        guard utf8.starts(with: prefix.utf8), utf8.count > prefix.utf8.count + suffix.utf8.count else { return nil }
        utf8 = utf8.dropFirst(prefix.utf8.count)
        guard utf8.reversed().starts(with: suffix.utf8.reversed()) else { return nil }
        let segment = utf8.dropLast(suffix.utf8.count)
        guard segment.count <= 64, segment.allSatisfy(isSegmentByte) else { return nil }
        return String(Substring(segment))
    }

    private static func isSegmentByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// Answers a request of the lane on `loop`, its connection's event loop:
    /// `answer` is called there once, at once when nothing has to wait, else when
    /// the commit (or a task) is done. The committing thread only posts the
    /// outcome to the loop; the reply is made there.
    func serve(
        _ route: Route, body: ByteBuffer, client: String, on loop: any EventLoop,
        answer: @escaping @Sendable (Result<Reply, any Error>) -> Void
    ) {
        let mailbox = mailbox
        @Sendable func later(_ make: @escaping @Sendable () -> Result<Reply, any Error>) {
            mailbox.post(to: loop) { answer(make()) }
        }
        do {
            try streams.perClient?.admit(client: client)
            let entries = entries
            switch route {
            case .submit(let id):
                let request = try SubmitRequest.parse(Array(buffer: body))
                let started = entries.enterNow(event: id, body: request) { outcome in
                    later { Result { Self.submitReply(try outcome()) } }
                }
                if !started {
                    Task {
                        let entered = await Result<EntryController<AppRequestContext>.Entered, any Error>.of {
                            try await entries.enter(event: id, body: request)
                        }
                        later { entered.map(Self.submitReply) }
                    }
                }
            case .poll(let token):
                try entries.limitPoll(token: token)
                let known = entries.store.live.pollInMemory(token: token)
                if let known, let reply = entries.pollReplyNow(known) { return answer(.success((.ok, reply.buffer))) }
                Task {
                    let reply = await Result<Reply, any Error>.of {
                        let entry = if let known { known } else { try await entries.store.entry(token: token) }
                        return (.ok, try await entries.pollReply(entry).buffer)
                    }
                    later { reply }
                }
            }
        } catch {
            answer(.failure(error))
        }
    }

    private static func submitReply(_ entered: EntryController<AppRequestContext>.Entered) -> Reply {
        let reply = EntryController<AppRequestContext>.submitReply(entered)
        return (reply.status, reply.body.buffer)
    }

    /// The response head of a reply, or of a failure as the router's error
    /// mapping writes it (anything but a `FirstComeError` is logged and answered
    /// as an internal error).
    func response(_ result: Result<Reply, any Error>, path: String) -> (head: HTTPResponse, body: ByteBuffer) {
        let reply: Reply
        var headers: HTTPFields
        switch result {
        case .success(let success):
            reply = success
            headers = Response.jsonHeaders
        case .failure(let error):
            let failure = translate(error, path: path)
            reply = (failure.status, ByteBuffer(string: failure.jsonBody))
            headers = failure.headers
        }
        headers[.contentLength] = String(reply.body.readableBytes)
        headers[.date] = dates.now()
        headers[.server] = streams.serverName
        return (HTTPResponse(status: reply.status, headerFields: headers), reply.body)
    }

    private func translate(_ error: any Error, path: String) -> FirstComeError {
        guard let failure = error as? FirstComeError else {
            logger.error("unexpected error", metadata: ["path": "\(path)", "error": "\(error)"])
            return .internalError
        }
        if case .internalError = failure { logger.error("internal error", metadata: ["path": "\(path)"]) }
        return failure
    }

    /// The client's address as the router's middlewares see it, where a limit or
    /// the access log needs it (resolved once per request); empty otherwise.
    func client(of head: HTTPRequest, peer: SocketAddress?) -> String {
        streams.perClient == nil && streams.accessLog == nil ? "" : streams.client(of: head, peer: peer)
    }

    /// Counts and logs a finished request the way the router's middlewares do.
    func record(_ route: Route, status: Int, start: ContinuousClock.Instant, path: String, client: String) {
        streams.metrics.recordRequest(route: route.label, method: route.method, status: status, duration: .now - start)
        if let accessLog = streams.accessLog {
            AccessLogMiddleware<AppRequestContext>.log(accessLog, method: route.method, path: path, status: status, start: start, client: client)
        }
    }
}

extension Result where Failure == any Error {
    /// The result of an asynchronous throwing call.
    static func of(_ body: () async throws -> Success) async -> Self {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}

/// Work posted to event loops from other threads, run there in order with one
/// wake-up per loop for whatever is queued by then: a commit answers many
/// connections at once, on two loops.
final class LoopMailbox: Sendable {
    private struct Box {
        var work: [@Sendable () -> Void] = []
        var scheduled = false
    }

    private let boxes = Mutex<[ObjectIdentifier: Box]>([:])

    func post(to loop: any EventLoop, _ work: @escaping @Sendable () -> Void) {
        let key = ObjectIdentifier(loop)
        let schedule = boxes.withLock { boxes -> Bool in
            boxes[key, default: Box()].work.append(work)
            guard !boxes[key]!.scheduled else { return false }
            boxes[key]!.scheduled = true
            return true
        }
        if schedule { loop.execute { self.run(key) } }
    }

    private func run(_ key: ObjectIdentifier) {
        let work = boxes.withLock { boxes -> [@Sendable () -> Void] in
            let work = boxes[key]?.work ?? []
            boxes[key]?.work.removeAll(keepingCapacity: true)
            boxes[key]?.scheduled = false
            return work
        }
        for item in work { item() }
    }
}

/// The `Date` header's value, formatted once per second.
final class HTTPDateCache: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    func now() -> String {
        let date = Date()
        let second = Int(date.timeIntervalSince1970)
        return cached.withLock { cached in
            if cached.second != second { cached = (second, HTTPDate.format(date)) }
            return cached.text
        }
    }
}
