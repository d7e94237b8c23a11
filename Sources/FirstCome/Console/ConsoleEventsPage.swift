import Hummingbird

/// `GET /admin`: every event with its figures, and the create form
/// (`POST /admin/events`, errors shown inline).
extension ConsoleController {
    func eventsRoutes(_ routes: RouteCollection<Context>) {
        routes.get { request, _ in
            try await page(request) { visit in
                let showArchived = FormBody.value("archived", in: request.uri) == "1"
                var page = visit.page("/admin", query: showArchived ? [("archived", "1")] : [])
                if FormBody.value("done", in: request.uri) == "created" { page.context["flash"] = page.text("created") }
                return try await eventsPage(&page, form: [:], error: nil, showArchived: showArchived)
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
            "prizes": event.prizes, "paused": event.paused, "rate": ArrivalRates.text(rate, state: state, page: page), "archived": event.archived,
        ]
    }

    /// The list leaves archived events out unless `showArchived`, and links to them.
    private func eventsPage(_ page: inout ConsolePage, form: [String: String], error: FirstComeError?, showArchived: Bool = false) async throws
        -> Response
    {
        let now = clock()
        let all = try await store.listEvents()
        let archived = all.count(where: \.archived)
        let events = showArchived ? all : all.filter { !$0.archived }
        if showArchived {
            page.context["archived_link"] = ["url": page.url("/admin"), "text": page.text("hide_archived")]
        } else if archived > 0 {
            page.context["archived_link"] = [
                "url": page.url("/admin", [("archived", "1")]), "text": page.text("show_archived", ["n": String(archived)]),
            ]
        }
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
