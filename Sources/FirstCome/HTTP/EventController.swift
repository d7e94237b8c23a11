import Hummingbird

/// Event routes: public read, admin create and change.
struct EventController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64

    /// `GET /events/{id}`
    func publicRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":id") { _, context in
            let id = try context.parameters.require("id")
            return EventJSON.response(try await store.event(id: id), now: clock())
        }
    }

    /// `POST /events`, `PATCH /events/{id}`
    func adminRoutes(_ routes: RouteCollection<Context>) {
        routes.post { request, _ in
            let body = try await JSONBody.decode(CreateEventRequest.self, from: request)
            let now = clock()
            let event = try await store.createEvent(body.event, now: now)
            return EventJSON.response(event, now: now, status: .created)
        }
        routes.patch(":id") { request, context in
            let id = try context.parameters.require("id")
            let body = try await JSONBody.decode(PatchEventRequest.self, from: request)
            let now = clock()
            return EventJSON.response(try await store.updateEvent(id: id, patch: body.patch, now: now), now: now)
        }
    }
}
