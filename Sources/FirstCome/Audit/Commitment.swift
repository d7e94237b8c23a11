/// The figures that pin a drained event's log down (`GET /v1/events/{id}/commitment`,
/// and the `event.finished` webhook): anyone holding an export can check them.
enum Commitment {
    /// The commitment's JSON; throws `eventNotFinal` while entries wait or intake is open.
    static func json(store: any EntryStore, id: String, now: Int64) async throws -> String {
        let event = try await store.event(id: id)
        let state = event.state(at: now)
        guard event.waiting == 0, state == .closed || state == .soldOut else { throw FirstComeError.eventNotFinal(id) }
        var winners: [(seq: Int64, user: String)] = []
        var after: Int64 = 0
        while true {
            let page = try await store.winners(event: id, after: after, limit: pageSize)
            winners += page.map { ($0.seq, $0.user) }
            guard let last = page.last, page.count == pageSize else { break }
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
        return object.json
    }

    /// Winners read per query.
    static let pageSize = 10_000
}
