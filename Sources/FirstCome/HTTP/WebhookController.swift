import Hummingbird
import Logging

/// Admin routes of an event's webhook: `GET /v1/events/{id}/webhook` (URL, counts,
/// recent deliveries; never the secret) and `POST /v1/events/{id}/webhook/redeliver`.
struct WebhookController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64
    let logger: Logger

    /// Most recent deliveries listed by default, and at most.
    static var defaultRecent: Int64 { 20 }
    static var maxRecent: Int64 { 500 }

    /// `{"from": <outbox id>}` (optional): redeliver from that delivery on.
    struct RedeliverRequest: Decodable {
        let from: Int64?

        enum CodingKeys: String, CodingKey, CaseIterable { case from }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            from = try container.decodeIfPresent(Int64.self, forKey: .from)
            if let from, from < 1 { throw FirstComeError.invalidRequest("'from' must be a delivery id (1 or more)") }
        }
    }

    func routes(_ routes: RouteCollection<Context>) {
        routes.get(":id/webhook") { request, context in
            let id = try context.parameters.require("id")
            let recent = try AuditController<Context>.integer(request, "recent", default: Self.defaultRecent, range: 0...Self.maxRecent)
            return Response.json(Self.render(try await store.webhookStatus(event: id, recent: Int(recent)), event: id))
        }
        routes.post(":id/webhook/redeliver") { request, context in
            let id = try context.parameters.require("id")
            let body = try await JSONBody.decodeIfPresent(RedeliverRequest.self, from: request)
            let count = try await store.redeliverWebhooks(event: id, from: body?.from, now: clock())
            logger.info("webhook redelivery", metadata: ["event": "\(id)", "from": "\(body?.from.map(String.init) ?? "given up")", "deliveries": "\(count)"])
            var object = JSONObject()
            object.integer("queued", Int64(count))
            return Response.json(object.json)
        }
    }

    static func render(_ status: WebhookStatus, event: String) -> String {
        var object = JSONObject()
        object.string("event", event)
        object.string("url", status.url)
        object.integer("pending", status.pending)
        object.integer("delivered", status.delivered)
        object.integer("gave_up", status.gaveUp)
        let rows = status.recent.map { row in
            var item = JSONObject()
            item.integer("id", row.id)
            item.string("type", row.type.rawValue)
            item.integer("seq", row.seq > 0 ? row.seq : nil)
            item.string("at", Timestamp.format(row.at))
            item.string("state", row.deliveredAt != nil ? "delivered" : row.gaveUpAt != nil ? "gave_up" : "pending")
            item.integer("attempts", Int64(row.attempts))
            item.string("delivered_at", row.deliveredAt.map(Timestamp.format))
            item.string("next_attempt_at", row.deliveredAt == nil && row.gaveUpAt == nil ? Timestamp.format(row.nextAt) : nil)
            item.string("last_error", row.lastError)
            return item.json
        }
        object.raw("recent", "[" + rows.joined(separator: ",") + "]")
        return object.json
    }
}
