import Hummingbird

/// `GET /admin`: every event with its figures, and the create form
/// (`POST /admin/events`, errors shown inline).
extension ConsoleController {
    func eventsRoutes(_ routes: RouteCollection<Context>) {
        routes.get { request, _ in
            try await page(request) { visit in
                var page = visit.page("/admin")
                if FormBody.value("done", in: request.uri) == "created" { page.context["flash"] = page.text("created") }
                return try await eventsPage(&page, form: [:], error: nil)
            }
        }
        routes.post("events") { request, _ in
            try await post(request, allowed: ConsoleEventForm.createFields) { visit in
                var page = visit.page("/admin")
                do {
                    let new = try ConsoleEventForm.newEvent(visit.fields)
                    if let webhook = new.webhook { try webhookPolicy.check(webhook) }
                    let event = try await admin.create(new, now: clock())
                    return Self.redirect(page, "/admin/events/\(event.id)", [("done", "created")])
                } catch let error as FirstComeError where !error.isStorageFault {
                    return try await eventsPage(&page, form: visit.fields, error: error)
                }
            }
        }
    }

    /// One row of the events table (also what the list's stream sends).
    func row(_ event: Event, now: Int64, page: ConsolePage) -> [String: Any] {
        let state = event.state(at: now)
        let rate = rates.record(event: event.id, entries: event.entries, at: now)
        return [
            "id": event.id, "name": event.name, "url": page.url("/admin/events/\(event.id)"), "state": state.rawValue,
            "state_text": page.stateText(state), "entries": event.entries, "waiting": event.waiting, "awarded": event.awarded,
            "prizes": event.prizes, "paused": event.paused, "rate": ArrivalRates.text(rate, state: state, page: page),
        ]
    }

    private func eventsPage(_ page: inout ConsolePage, form: [String: String], error: FirstComeError?) async throws -> Response {
        let now = clock()
        let events = try await store.listEvents()
        page.context["title"] = page.text("events") + " · " + page.text("console")
        var rows: [[String: Any]] = []
        for event in events {
            var shown = row(event, now: now, page: page)
            shown["webhook_failing"] = Self.failing(try await store.webhookStatus(event: event.id, recent: 1))
            rows.append(shown)
        }
        page.context["events"] = rows
        page.context["has_events"] = !events.isEmpty
        page.context["create_action"] = page.url("/admin/events")
        page.context["stream_url"] = page.url("/admin/stream")
        var values = form
        if values["prizes"] == nil { values["prizes"] = "1" }
        page.context["form"] = values
        page.context["mode_direct"] = form["mode"] == "direct"
        page.context["order_shuffle"] = form["order"] == "shuffle"
        page.context["order_lottery"] = form["order"] == "lottery"
        if let error {
            page.context["error"] = error.message
            page.context["field_errors"] = ConsoleFieldErrors.texts(for: error, page: page)
            return page.response("events", status: error.status)
        }
        return page.response("events")
    }
}
