import Foundation
import Hummingbird

/// The post-event report in the console: `GET /admin/events/{id}/report`, a
/// printable page (figures, arrival and waiting curves, admin actions), and
/// `…/report.csv`, the event's course in 5 s steps. Both come from what the
/// database keeps (`EventTimeline`), so they survive restarts.
extension ConsoleController {
    /// Points of a report curve at most; the step grows to keep under it.
    static var reportPoints: Int64 { 240 }

    func reportRoutes(_ routes: RouteCollection<Context>) {
        routes.get("events/:id/report") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { visit in
                var page = visit.page("/admin/events/\(id)/report")
                let event: Event
                do {
                    event = try await store.event(id: id)
                } catch FirstComeError.eventNotFound {
                    page.context["problem"] = page.text("not_found")
                    return page.response("report", status: .notFound)
                }
                let timeline = try await store.timeline(event: id)
                let report = EventStats.report(timeline, prizes: event.prizes, opensAt: event.opensAt)
                page.context["title"] = event.name + " · " + page.text("report")
                page.context["report"] = reportContext(event, report, page: page)
                page.context["curves"] = try curves(timeline, event: event, page: page)
                page.context["actions"] = try await store.controlLog(event: id).compactMap { entry -> [String: Any]? in
                    if let action = AdminAction(record: entry.record) {
                        return ["at": ConsolePage.time(action.at), "kind": page.text("action_" + action.kind), "fields": ConsoleActionText.describe(action, page: page)]
                    }
                    return ConsoleActionText.draw(entry.record, page: page)
                }
                return page.response("report")
            }
        }
        routes.get("events/:id/report.csv") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { _ in
                let event = try await store.event(id: id)
                let samples = try EventStats.series(
                    try await store.timeline(event: id), prizes: event.prizes, step: StatsController<Context>.defaultStep, until: nil)
                var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(id)-report.csv\""]
                ConsolePage.protect(&headers, nonce: "none")
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: StatsController<Context>.csv(samples))))
            }
        }
    }

    private func reportContext(_ event: Event, _ report: EventStats.Report, page: ConsolePage) -> [String: Any] {
        func duration(_ ms: Int64?) -> String {
            guard let ms else { return "–" }
            return ms < 10_000 ? String(format: "%.2f s", Double(ms) / 1000) : "\(ms / 1000) s"
        }
        return [
            "id": event.id, "name": event.name, "state_text": page.stateText(event.state(at: clock())), "prizes": event.prizes, "prizes_text": page.text(event.prizes == 1 ? "one_prize" : "n_prizes", ["n": String(event.prizes)]),
            "entries": report.entries, "won": report.won, "lost": report.decided - report.won - report.expired, "expired": report.expired,
            "waiting": event.waiting,
            "first_entry": ConsolePage.time(report.firstEntryAt), "last_entry": ConsolePage.time(report.lastEntryAt),
            "sold_out_at": report.soldOutAt.map { ConsolePage.time($0) } ?? "–", "time_to_sell_out": duration(report.timeToSellOut),
            "peak_second": report.peakPerSecond, "peak_second_at": ConsolePage.time(report.peakSecondAt),
            "peak_minute": report.peakPerMinute, "peak_minute_at": ConsolePage.time(report.peakMinuteAt),
            "wait_p50": duration(report.waitP50), "wait_p90": duration(report.waitP90), "wait_p99": duration(report.waitP99),
            "wait_max": duration(report.waitMax),
            "csv_url": page.url("/admin/events/\(event.id)/report.csv"), "event_url": page.url("/admin/events/\(event.id)"),
        ]
    }

    /// The arrival and waiting curves as SVG polyline points (300 × 100), with their step and peak.
    private func curves(_ timeline: EventTimeline, event: Event, page: ConsolePage) throws -> [String: Any] {
        let first = timeline.arrivals.first?.key ?? 0
        let last = [timeline.arrivals.last?.key, timeline.decided.last?.key].compactMap { $0 }.max() ?? first
        let step = max(1, (last - first) / Self.reportPoints + 1)
        let samples = try EventStats.series(timeline, prizes: event.prizes, step: step, until: nil)
        func points(_ value: (EventStats.Sample) -> Int64) -> (String, Int64) {
            let top = max(1, samples.map(value).max() ?? 1)
            let width = Double(max(1, samples.count - 1))
            let text = samples.enumerated().map { index, sample in
                String(format: "%.1f,%.1f", Double(index) * 300 / width, 96 - Double(value(sample)) / Double(top) * 92)
            }.joined(separator: " ")
            return (text, top)
        }
        let arrivals = points(\.arrivals)
        let waiting = points(\.waiting)
        return [
            "step": page.text("per_step", ["n": String(step)]), "arrivals": arrivals.0, "arrivals_max": arrivals.1,
            "waiting": waiting.0, "waiting_max": waiting.1, "empty": samples.isEmpty,
        ]
    }
}
