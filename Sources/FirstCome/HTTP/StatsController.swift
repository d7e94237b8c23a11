import Foundation
import Hummingbird

/// Admin routes for watching and reporting on an event:
/// `GET /v1/events/{id}/stats` (its course in steps, JSON or CSV) and
/// `GET /v1/events/{id}/report` (the post-event figures and admin actions).
struct StatsController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64

    /// Default step of the series, in seconds.
    static var defaultStep: Int64 { 5 }

    func routes(_ routes: RouteCollection<Context>) {
        routes.get(":id/stats") { request, context in
            let id = try context.parameters.require("id")
            let step = try AuditController<Context>.integer(request, "step", default: Self.defaultStep, range: 1...86_400)
            let csv = try Self.wantsCSV(request)
            let event = try await store.event(id: id)
            let now = clock()
            let live = [.open, .scheduled, .soldOut].contains(event.state(at: now)) || event.waiting > 0
            let samples = try EventStats.series(try await store.timeline(event: id), prizes: event.prizes, step: step, until: live ? now / 1000 : nil)
            if csv {
                let text = Self.csv(samples)
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(id)-stats.csv\""],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            var object = JSONObject()
            object.string("event", id)
            object.integer("step_s", step)
            object.raw("series", "[" + samples.map(Self.render).joined(separator: ",") + "]")
            return Response.json(object.json)
        }
        routes.get(":id/report") { _, context in
            let id = try context.parameters.require("id")
            let event = try await store.event(id: id)
            let report = EventStats.report(try await store.timeline(event: id), prizes: event.prizes, opensAt: event.opensAt)
            let actions = try await store.controlLog(event: id).compactMap { AdminAction(record: $0.record) }.map { action in
                var item = JSONObject()
                item.string("at", Timestamp.format(action.at))
                item.raw("action", action.action)
                return item.json
            }
            var object = JSONObject()
            object.string("event", id)
            object.string("name", event.name)
            object.string("state", event.state(at: clock()).rawValue)
            object.integer("prizes", event.prizes)
            object.raw("figures", Self.render(report))
            object.raw("admin_actions", "[" + actions.joined(separator: ",") + "]")
            return Response.json(object.json)
        }
    }

    /// The series as CSV, one line per step after the header.
    static func csv(_ samples: [EventStats.Sample]) -> String {
        var text = SpreadsheetCSV.row(["time", "arrivals", "decided", "won", "lost", "expired", "entries", "waiting", "prizes_left"])
        for sample in samples {
            text += SpreadsheetCSV.row(
                [Timestamp.format(sample.at)]
                    + [sample.arrivals, sample.decided, sample.won, sample.lost, sample.expired, sample.entries, sample.waiting, sample.prizesLeft]
                    .map { String($0) })
        }
        return text
    }

    /// `format=csv` or `Accept: text/csv`.
    static func wantsCSV(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters.get("format") {
        case nil: AuditController<Context>.prefersCSV(request)
        case "csv": true
        case "json": false
        default: throw FirstComeError.invalidRequest("'format' must be csv or json")
        }
    }

    static func render(_ sample: EventStats.Sample) -> String {
        var object = JSONObject()
        object.string("at", Timestamp.format(sample.at))
        object.integer("arrivals", sample.arrivals)
        object.integer("decided", sample.decided)
        object.integer("won", sample.won)
        object.integer("lost", sample.lost)
        object.integer("expired", sample.expired)
        object.integer("entries", sample.entries)
        object.integer("waiting", sample.waiting)
        object.integer("prizes_left", sample.prizesLeft)
        return object.json
    }

    static func render(_ report: EventStats.Report) -> String {
        var object = JSONObject()
        object.integer("entries", report.entries)
        object.integer("decided", report.decided)
        object.integer("won", report.won)
        object.integer("lost", report.decided - report.won - report.expired)
        object.integer("expired", report.expired)
        object.string("first_entry_at", report.firstEntryAt.map(Timestamp.format))
        object.string("last_entry_at", report.lastEntryAt.map(Timestamp.format))
        object.string("sold_out_at", report.soldOutAt.map(Timestamp.format))
        object.integer("time_to_sell_out_ms", report.timeToSellOut)
        object.integer("peak_arrivals_per_second", report.peakPerSecond)
        object.string("peak_second_at", report.peakSecondAt.map(Timestamp.format))
        object.integer("peak_arrivals_per_minute", report.peakPerMinute)
        object.string("peak_minute_at", report.peakMinuteAt.map(Timestamp.format))
        var waits = JSONObject()
        waits.integer("p50", report.waitP50)
        waits.integer("p90", report.waitP90)
        waits.integer("p99", report.waitP99)
        waits.integer("max", report.waitMax)
        object.raw("entry_to_decision_ms", waits.json)
        return object.json
    }
}
