import Hummingbird
import Logging

/// Event routes: public read, admin create and change.
struct EventController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64
    /// Every admin change is logged, one line each.
    var logger = Logger(label: "firstcome")

    /// `GET /events/{id}` (ids are lowercase; `LIVE` answers with `live`)
    func publicRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":id") { _, context in
            let id = try context.parameters.require("id").lowercased()
            return EventJSON.response(try await store.event(id: id), now: clock())
        }
    }

    /// `POST /events`, `PATCH /events/{id}`
    func adminRoutes(_ routes: RouteCollection<Context>) {
        routes.post { request, _ in
            let body = try await JSONBody.decode(CreateEventRequest.self, from: request)
            let now = clock()
            let event = try await store.createEvent(body.event, now: now)
            logger.info("event created", metadata: ["event": "\(event.id)", "prizes": "\(event.prizes)", "mode": "\(event.mode.rawValue)"])
            return EventJSON.response(event, now: now, status: .created)
        }
        routes.patch(":id") { request, context in
            let id = try context.parameters.require("id")
            let body = try await JSONBody.decode(PatchEventRequest.self, from: request)
            let now = clock()
            let event = try await store.updateEvent(id: id, patch: body.patch, now: now)
            logger.info("event changed", metadata: ["event": "\(id)", "change": "\(body.patch.patchAction)", "state": "\(event.state(at: now).rawValue)"])
            return EventJSON.response(event, now: now)
        }
    }
}
