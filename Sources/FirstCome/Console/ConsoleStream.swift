import Hummingbird
import ServiceLifecycle

/// The console's live figures as Server-Sent Events, one `data:` line of JSON a
/// second, read from the in-memory copy of each event: `GET
/// /admin/events/{id}/stream` sends the event's `ConsoleFigures`, `GET
/// /admin/stream` the rows of the events table. A stream ends when the client
/// goes, the server stops or the session expires.
extension ConsoleController {
    /// Time between two samples.
    static var sampleInterval: Duration { .seconds(1) }

    func streamRoutes(_ routes: RouteCollection<Context>) {
        routes.get("events/:id/stream") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { visit in
                _ = try await store.liveEvent(id: id)  // 404 before the stream starts
                return stream(until: visit.session.expiresAt) {
                    let figures = try await ConsoleFigures.read(store, id: id, now: clock())
                    rates.record(event: id, entries: figures.event.entries, at: figures.time)
                    return figures.json
                }
            }
        }
        routes.get("stream") { request, _ in
            try await page(request) { visit in
                let (language, csrf) = (visit.language, visit.csrf)
                return stream(until: visit.session.expiresAt) {
                    let now = clock()
                    let page = ConsolePage(language: language, path: "/admin", query: [], csrf: csrf)
                    let rows = try await store.listEvents().map { event in
                        let row = self.row(event, now: now, page: page)
                        var object = JSONObject()
                        for key in ["id", "state", "state_text", "rate"] { object.string(key, row[key] as? String) }
                        for key in ["entries", "waiting", "awarded", "prizes"] { object.integer(key, row[key] as? Int64) }
                        object.raw("paused", row["paused"] as? Bool == true ? "true" : "false")
                        return object.json
                    }
                    return "{\"events\":[" + rows.joined(separator: ",") + "]}"
                }
            }
        }
    }

    /// An event stream of `sample()` every `sampleInterval` until `expiresAt`.
    private func stream(until expiresAt: Int64, sample: @escaping @Sendable () async throws -> String) -> Response {
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8"]
        ConsolePage.protect(&headers, nonce: "none")
        let clock = self.clock
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                do {
                    while clock() < expiresAt {
                        try await writer.write(ByteBuffer(string: "data: \(try await sample())\n\n"))
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.sampleInterval) }
                    }
                } catch is CancellationError {
                    // The server is stopping or the client went.
                }
                try await writer.finish(nil)
            })
    }
}
