import Hummingbird
import Logging

/// Event routes: public read, admin create and change.
struct EventController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64
    /// Every admin change is logged, one line each.
    var logger = Logger(label: "firstcome")
    /// Which webhook targets may be set.
    var webhookPolicy = WebhookPolicy()

    /// `GET /events/{id}` (ids are lowercase; `LIVE` answers with `live`)
    func publicRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":id") { _, context in
            let id = try context.parameters.require("id").lowercased()
            return EventJSON.response(try await store.event(id: id), now: clock())
        }
    }

    /// Most events one page of the list holds.
    static var maxPageSize: Int { 1000 }

    /// `GET /events` (a page of every event, oldest first), `POST /events`, `PATCH /events/{id}`
    func adminRoutes(_ routes: RouteCollection<Context>) {
        routes.get { request, _ in
            let limit = try AuditController<Context>.integer(request, "limit", default: 100, range: 1...Int64(Self.maxPageSize))
            let archived = try Self.archivedListing(request)
            let events = try await store.listEvents().filter { archived || !$0.archived }
            var start = events.startIndex
            if let after = request.uri.queryParameters.get("after") {
                guard let index = events.firstIndex(where: { $0.id == after }) else {
                    throw FirstComeError.invalidRequest("'after' names no event: '\(after)'")
                }
                start = index + 1
            }
            let page = events[start..<min(events.endIndex, start + Int(limit))]
            let now = clock()
            var object = JSONObject()
            object.raw("events", "[" + page.map { EventJSON.render($0, now: now, admin: true) }.joined(separator: ",") + "]")
            object.string("next_after", page.endIndex < events.endIndex ? page.last?.id : nil)
            return Response.json(object.json)
        }
        routes.post { request, _ in
            let body = try await JSONBody.decode(CreateEventRequest.self, from: request)
            if let webhook = body.event.webhook { try webhookPolicy.check(webhook) }
            let now = clock()
            let event = try await EventAdmin(store: store, logger: logger).create(body.event, now: now)
            return EventJSON.response(event, now: now, status: .created, admin: true)
        }
        routes.patch(":id") { request, context in
            let id = try context.parameters.require("id")
            let body = try await JSONBody.decode(PatchEventRequest.self, from: request)
            if case .some(.some(let webhook)) = body.webhook { try webhookPolicy.check(webhook) }
            let now = clock()
            var event: Event
            if let patch = body.patch {
                event = try await EventAdmin(store: store, logger: logger).update(id: id, patch: patch, now: now)
            } else {
                event = try await store.event(id: id)
            }
            if let webhook = body.webhook {
                try await store.setWebhook(event: id, target: webhook, now: now)
                logger.info("webhook changed", metadata: ["event": "\(id)", "url": "\(webhook?.url ?? "none")"])
            }
            return EventJSON.response(event, now: now, admin: true)
        }
    }

    /// `?archived=true` lists archived events too; they are left out otherwise.
    static func archivedListing(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters.get("archived") {
        case nil, "false": false
        case "true": true
        case let other?: throw FirstComeError.invalidRequest("'archived' must be true or false, not '\(other)'")
        }
    }
}
