import Foundation
import Hummingbird

/// `GET /admin/events/{id}`: one event's figures (live while the page is open),
/// its controls and settings, the audit commitment once it is final, its
/// winners a page at a time and the entrant finder.
extension ConsoleController {
    func eventRoutes(_ routes: RouteCollection<Context>) {
        routes.get("events/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { visit in
                var page = visit.page("/admin/events/\(id)", query: Self.keptQuery(request))
                if let done = FormBody.value("done", in: request.uri), Self.doneKeys.contains(done) {
                    page.context["flash"] = page.text(done == "created" ? "created" : "done_" + done)
                }
                return try await eventPage(&page, id: id, request: request)
            }
        }
        routes.post("events/:id/control") { request, context in
            let id = try context.parameters.require("id")
            return try await post(request, allowed: ["action"]) { visit in
                var page = visit.page("/admin/events/\(id)")
                do {
                    let now = clock()
                    let patch = try ConsoleEventForm.control(visit.fields["action"], event: try await store.event(id: id), now: now)
                    _ = try await admin.update(id: id, patch: patch, now: now)
                    return Self.redirect(page, "/admin/events/\(id)", [("done", visit.fields["action"]!)])
                } catch let error as FirstComeError where !error.isStorageFault {
                    return try await eventPage(&page, id: id, request: request, error: error)
                }
            }
        }
        routes.post("events/:id/settings") { request, context in
            let id = try context.parameters.require("id")
            return try await post(request, allowed: ConsoleEventForm.settingsFields) { visit in
                var page = visit.page("/admin/events/\(id)")
                do {
                    let event = try await store.event(id: id)
                    guard let patch = try ConsoleEventForm.patch(visit.fields, of: event) else {
                        return Self.redirect(page, "/admin/events/\(id)", [("done", "nothing")])
                    }
                    _ = try await admin.update(id: id, patch: patch, now: clock())
                    return Self.redirect(page, "/admin/events/\(id)", [("done", "settings")])
                } catch let error as FirstComeError where !error.isStorageFault {
                    return try await eventPage(&page, id: id, request: request, error: error, settings: visit.fields)
                }
            }
        }
        webhookRoutes(routes)
        winnersRoutes(routes)
        reportRoutes(routes)
    }

    static var doneKeys: Set<String> {
        ["created", "open", "close", "pause", "resume", "archive", "unarchive", "settings", "nothing", "redeliver", "beacon", "webhook_set", "webhook_removed"]
    }

    /// The query items a language switch keeps.
    static func keptQuery(_ request: Request) -> [(String, String)] {
        FormBody.query(request.uri).filter { ["after", "find"].contains($0.0) }
    }

    /// The event page; `error` (from a control) is shown at the top, `settings`
    /// (a refused settings form) fills the form as it was sent.
    func eventPage(
        _ page: inout ConsolePage, id: String, request: Request, error: FirstComeError? = nil, settings: [String: String]? = nil
    ) async throws -> Response {
        let now = clock()
        let event: Event
        do {
            event = try await store.liveEvent(id: id)
        } catch FirstComeError.eventNotFound {
            page.context["problem"] = page.text("not_found")
            return page.response("event", status: .notFound)
        }
        let figures = ConsoleFigures(event: event, store: store, now: now)
        page.context["title"] = event.name + " · " + page.text("console")
        page.context["event"] = eventContext(figures, page: page)
        page.context["settings"] = settingsContext(event, sent: settings, page: page)
        page.context["sample"] = figures.json
        page.context["series"] = ConsoleSeries.json(try await store.timeline(event: id), prizes: event.prizes, now: now)
        page.context["loaded_at"] = ConsolePage.time(now)
        if !event.paused { page.context["can_pause"] = true } else { page.context["can_resume"] = true }
        switch figures.state {
        case .open, .scheduled, .prequeue: page.context["can_close"] = true
        case .closed: page.context["can_open"] = true
        case .soldOut:
            // Late entries are still recorded (and lose) until intake closes; closing
            // fixes the log, so `event.closed` and `event.finished` (with the commitment) follow.
            if event.closedAt == nil && (event.closesAt.map { $0 > now } ?? true) { page.context["can_finish"] = true }
        }
        // Archiving hides a mistake or a finished event from the list; an open event is closed with it.
        if event.archived {
            page.context["can_unarchive"] = true
        } else if event.entries == 0 || figures.state == .closed || figures.state == .soldOut {
            page.context["can_archive"] = true
        }
        if figures.event.waiting == 0, figures.state == .closed || figures.state == .soldOut,
            let json = try? await Commitment.json(store: store, id: id, now: now),
            let commitment = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        {
            var shown = commitment
            shown["json"] = json
            shown["url"] = "/v1/events/\(id)/commitment"
            shown["file"] = "\(id).commitment.json"
            page.context["commitment"] = shown
        }
        page.context["webhook"] = try await webhookContext(id: id, page: page)
        if let draw = drawContext(event, page: page, now: now) { page.context["draw"] = draw }
        try await winners(&page, event: event, request: request)
        try await find(&page, event: event, request: request)
        if let error {
            page.context["error"] = error.message
            page.context["field_errors"] = ConsoleFieldErrors.texts(for: error, page: page)
            return page.response("event", status: error.status)
        }
        return page.response("event")
    }

    private func eventContext(_ figures: ConsoleFigures, page: ConsolePage) -> [String: Any] {
        let event = figures.event
        return [
            "id": event.id, "name": event.name, "mode": page.text("mode_" + event.mode.rawValue), "state": figures.state.rawValue,
            "state_text": page.stateText(figures.state) + (event.paused ? " · " + page.text("paused") : ""), "paused_text": page.text(event.paused ? "yes" : "no"), "paused_flag": event.paused ? "true" : "false",
            "entries": event.entries, "waiting": event.waiting, "serving": event.serving, "awarded": event.awarded,
            "prizes": event.prizes, "remaining": event.remaining, "expired": figures.expired.map(String.init) ?? "–",
            "lost": figures.lost.map(String.init) ?? "–",
            "stream_url": page.url("/admin/events/\(event.id)/stream"),
            "control_action": page.url("/admin/events/\(event.id)/control"),
            "settings_action": page.url("/admin/events/\(event.id)/settings"),
            "csv_url": page.url("/admin/events/\(event.id)/winners.csv"),
            "find_action": "/admin/events/\(event.id)",
            "report_url": page.url("/admin/events/\(event.id)/report"),
            "public_url": "/e/\(event.id)",
        ]
    }


    /// The settings form: the event's values, or the values just refused.
    private func settingsContext(_ event: Event, sent: [String: String]?, page: ConsolePage) -> [String: Any] {
        var values: [String: String] = [
            "name": event.name, "mode": event.mode.rawValue, "admit_per_tick": event.admitPerTick.map(String.init) ?? "",
            "presence_timeout_s": event.presenceTimeout.map(String.init) ?? "",
            "pow_bits": event.powBits > 0 ? String(event.powBits) : "",
            "opens_at": event.opensAt.map(Timestamp.format) ?? "", "closes_at": event.closesAt.map(Timestamp.format) ?? "",
            "prizes": String(event.prizes), "claim_text": event.claim?.text ?? "", "claim_link": event.claim?.link ?? "",
            "pass_lifetime_s": event.claim?.passLifetime.map(String.init) ?? "",
        ]
        for (key, value) in sent ?? [:] { values[key] = value }
        var context: [String: Any] = values
        context["mode_direct"] = values["mode"] == "direct"
        // The prize count is the one rule that can be mended, until the first entry.
        context["prizes_fixed"] = event.entries > 0 || event.draw != nil
        return context
    }
}
