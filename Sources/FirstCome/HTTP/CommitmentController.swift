import Hummingbird

/// `GET /v1/events/{id}/commitment`: once an event is drained, the figures that
/// pin its log down: anyone holding an export can check them.
struct CommitmentController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64

    func routes(_ routes: RouteCollection<Context>) {
        routes.get(":id/commitment") { _, context in
            let id = try context.parameters.require("id")
            let event = try await store.event(id: id)
            let state = event.state(at: clock())
            guard event.waiting == 0, state == .closed || state == .soldOut else { throw FirstComeError.eventNotFinal(id) }
            var winners: [(seq: Int64, user: String)] = []
            var after: Int64 = 0
            while true {
                let page = try await store.winners(event: id, after: after, limit: 10_000)
                winners += page.map { ($0.seq, $0.user) }
                guard let last = page.last, page.count == 10_000 else { break }
                after = last.seq
            }
            var object = JSONObject()
            object.string("event", event.id)
            object.integer("entries", event.entries)
            object.string("head", AuditRecords.hex(event.head))
            object.string("control_head", AuditRecords.hex(event.controlHead))
            object.integer("winners", Int64(winners.count))
            object.string("winners_digest", AuditRecords.winnersDigest(winners))
            object.raw("rules", event.rules.isEmpty ? "null" : event.rules)
            return Response.json(object.json)
        }
    }
}
