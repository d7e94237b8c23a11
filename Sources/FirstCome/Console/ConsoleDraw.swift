import Hummingbird

/// The draw of a shuffle or lottery on the console: its commitment and state,
/// the beacon value form while the draw waits for it, a link to the record.
extension ConsoleController {
    func drawRoutes(_ routes: RouteCollection<Context>) {
        routes.post("events/:id/beacon") { request, context in
            let id = try context.parameters.require("id")
            return try await post(request, allowed: ["value", "confirm"]) { visit in
                var page = visit.page("/admin/events/\(id)")
                do {
                    let value = visit.fields["value"] ?? ""
                    // The draw is made with the value and cannot be undone: show the value, and take it only when confirmed.
                    guard visit.fields["confirm"] == "yes" else {
                        let event = try await store.event(id: id)
                        _ = try event.withBeacon(value, now: clock())
                        page.context["beacon_confirm"] = ["value": value, "escaped": VisibleText.escaped(value), "action": page.url("/admin/events/\(id)/beacon")]
                        return try await eventPage(&page, id: id, request: request)
                    }
                    _ = try await store.postBeacon(event: id, value: value, now: clock())
                    admin.logger.info("beacon value posted", metadata: ["event": "\(id)", "value": "\(visit.fields["value"] ?? "")", "via": "console"])
                    return Self.redirect(page, "/admin/events/\(id)", [("done", "beacon")])
                } catch let error as FirstComeError where !error.isStorageFault {
                    return try await eventPage(&page, id: id, request: request, error: error)
                }
            }
        }
    }

    /// The draw section's values; `nil` for a first-come event.
    func drawContext(_ event: Event, page: ConsolePage, now: Int64) -> [String: Any]? {
        guard event.order.draws else { return nil }
        var context: [String: Any] = [
            "order_text": page.text("order_" + event.order.rawValue), "seed_commitment": event.seedCommitment ?? "",
            "record_url": "/v1/events/\(event.id)/draw",
        ]
        if let prequeueAt = event.prequeueAt { context["prequeue_at"] = Timestamp.format(prequeueAt) }
        if let cutoff = event.draw?.cutoff ?? event.drawCutoff { context["cutoff"] = Timestamp.format(cutoff) }
        if let draw = event.draw {
            context["state_text"] = page.text("draw_made", ["time": Timestamp.format(draw.drawnAt), "n": String(draw.drawn)])
            context["drawn"] = true
        } else if let beacon = event.beacon, event.beaconValue == nil, let cutoff = event.drawCutoff, now >= cutoff {
            context["state_text"] = page.text("draw_waits_beacon", ["beacon": beacon])
            context["beacon_action"] = page.url("/admin/events/\(event.id)/beacon")
        } else {
            context["state_text"] = page.text("draw_waits_cutoff")
        }
        return context
    }
}
