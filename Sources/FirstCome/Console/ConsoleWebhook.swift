import Hummingbird

/// An event's webhook on the console: set, replaced or removed here (not only
/// by PATCH), its deliveries with when they happened and when the next try is,
/// a warning while deliveries fail, and redelivery that asks before it resends
/// everything.
extension ConsoleController {
    /// Deliveries the webhook section lists.
    static var recentDeliveries: Int { 10 }

    func webhookRoutes(_ routes: RouteCollection<Context>) {
        routes.post("events/:id/webhook") { request, context in
            let id = try context.parameters.require("id")
            return try await post(request, allowed: ["url", "secret", "remove"]) { visit in
                var page = visit.page("/admin/events/\(id)")
                do {
                    if visit.fields["remove"] == "yes" {
                        try await store.setWebhook(event: id, target: nil, now: clock())
                        admin.logger.info("webhook removed", metadata: ["event": "\(id)", "via": "console"])
                        return Self.redirect(page, "/admin/events/\(id)", [("done", "webhook_removed")])
                    }
                    let target = try WebhookTarget(url: visit.fields["url"] ?? "", secret: visit.fields["secret"] ?? "")
                    try webhookPolicy.check(target)
                    try await store.setWebhook(event: id, target: target, now: clock())
                    admin.logger.info("webhook set", metadata: ["event": "\(id)", "via": "console"])
                    return Self.redirect(page, "/admin/events/\(id)", [("done", "webhook_set")])
                } catch let error as FirstComeError where !error.isStorageFault {
                    return try await eventPage(&page, id: id, request: request, error: error)
                }
            }
        }
        routes.post("events/:id/webhook/redeliver") { request, context in
            let id = try context.parameters.require("id")
            return try await post(request, allowed: ["which", "confirm"]) { visit in
                var page = visit.page("/admin/events/\(id)")
                let all = visit.fields["which"] == "all"
                // Everything means every delivery again, the delivered ones too: ask first.
                if all && visit.fields["confirm"] != "yes" {
                    page.context["redeliver_confirm"] = ["action": page.url("/admin/events/\(id)/webhook/redeliver")]
                    return try await eventPage(&page, id: id, request: request)
                }
                let from = all ? Int64(1) : nil
                let count = try await store.redeliverWebhooks(event: id, from: from, now: clock())
                admin.logger.info(
                    "webhook redelivery", metadata: ["event": "\(id)", "from": "\(from.map(String.init) ?? "given up")", "deliveries": "\(count)", "via": "console"])
                return Self.redirect(page, "/admin/events/\(id)", [("done", "redeliver")])
            }
        }
    }

    /// Whether an event's deliveries are failing: one given up, or the latest still pending after a failed try.
    static func failing(_ status: WebhookStatus) -> Bool {
        status.url != nil && (status.gaveUp > 0 || status.recent.contains { $0.deliveredAt == nil && $0.gaveUpAt == nil && $0.attempts > 0 })
    }

    /// The webhook's state: URL, counts and the latest deliveries, the set and
    /// remove forms, and the redelivery buttons.
    func webhookContext(id: String, page: ConsolePage) async throws -> [String: Any] {
        let status = try await store.webhookStatus(event: id, recent: Self.recentDeliveries)
        var context: [String: Any] = ["set_action": page.url("/admin/events/\(id)/webhook")]
        guard let url = status.url else {
            context["none"] = true
            return context
        }
        context["url"] = url
        context["failing"] = Self.failing(status)
        context["counts"] = page.text(
            "webhook_counts", ["pending": String(status.pending), "delivered": String(status.delivered), "gave_up": String(status.gaveUp)])
        context["has_recent"] = !status.recent.isEmpty
        context["recent"] = status.recent.map { row -> [String: Any] in
            let state = row.deliveredAt != nil ? "delivered" : row.gaveUpAt != nil ? "gave_up" : "pending"
            let when: String =
                switch state {
                case "delivered": page.text("delivered_at", ["time": ConsolePage.time(row.deliveredAt)])
                case "gave_up": page.text("gave_up_at", ["time": ConsolePage.time(row.gaveUpAt)])
                default: page.text("next_try_at", ["time": ConsolePage.time(row.nextAt)])
                }
            return [
                "id": row.id, "type": row.type.rawValue, "seq": row.seq > 0 ? String(row.seq) : "", "at": ConsolePage.time(row.at),
                "state": state, "state_text": page.text("delivery_state_" + state), "when": when, "attempts": row.attempts,
                "error": row.lastError ?? "",
            ]
        }
        context["redeliver_action"] = page.url("/admin/events/\(id)/webhook/redeliver")
        return context
    }
}
