/// One reading of an event's figures, as the console shows and streams them.
/// Every decided entry is won, lost or expired, so `lost` follows from the rest.
struct ConsoleFigures: Sendable, Equatable {
    var time: Int64
    var event: Event
    var state: EventState
    /// `nil` where the store has no board to count them on.
    var expired: Int64?

    var lost: Int64? { expired.map { event.serving - event.awarded - $0 } }

    /// The event as last committed (the hot-path copy), read at `now`.
    static func read(_ store: any EntryStore, id: String, now: Int64) async throws -> ConsoleFigures {
        let event = try await store.liveEvent(id: id)
        return ConsoleFigures(event: event, store: store, now: now)
    }

    init(event: Event, store: any EntryStore, now: Int64) {
        time = now
        self.event = event
        state = event.state(at: now)
        expired = store.live.board.expiredCount(eventKey: event.key)
    }

    /// The sample the live page draws: `{"t","entries","waiting","serving","awarded","remaining","expired","lost","state","paused"}`.
    var json: String {
        var object = JSONObject()
        object.integer("t", time)
        object.integer("entries", event.entries)
        object.integer("waiting", event.waiting)
        object.integer("serving", event.serving)
        object.integer("awarded", event.awarded)
        object.integer("prizes", event.prizes)
        object.integer("remaining", event.remaining)
        object.integer("expired", expired)
        object.integer("lost", lost)
        object.string("state", state.rawValue)
        object.raw("paused", event.paused ? "true" : "false")
        return object.json
    }
}
