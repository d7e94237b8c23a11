/// The JSON body of a delivery: `{"id","type","event","at","data"}`.
enum WebhookPayload {
    /// Figures of a finished event for `event.finished`.
    struct Finished {
        var entries: Int64
        var awarded: Int64
        /// The commitment's JSON (as `GET /v1/events/{id}/commitment` gives it).
        var commitment: String
    }

    static func body(_ delivery: WebhookDelivery, admissionToken: String?, finished: Finished?) -> String {
        var data = JSONObject()
        switch delivery.type {
        case .entryWon, .entryExpired:
            data.integer("seq", delivery.seq)
            if let place = delivery.linePlace { data.integer("place", place) }
            data.string("user", delivery.user)
            if delivery.type == .entryWon, let admissionToken { data.string("admission_token", admissionToken) }
        case .eventSoldOut:
            data.integer("prizes", delivery.prizes)
        case .eventClosed:
            break
        case .eventFinished:
            if let finished {
                data.integer("entries", finished.entries)
                data.integer("awarded", finished.awarded)
                data.integer("expired", delivery.expired)
                data.raw("commitment", finished.commitment)
            }
        }
        var object = JSONObject()
        object.string("id", delivery.stableID)
        object.string("type", delivery.type.rawValue)
        object.string("event", delivery.event)
        object.string("at", Timestamp.format(delivery.at))
        object.raw("data", data.json)
        return object.json
    }
}
