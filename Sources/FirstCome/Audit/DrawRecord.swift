import Foundation

/// An event's draw as published by `GET /v1/events/{id}/draw`: read from the
/// draw record of its control log, beside the commitment from its rules.
enum DrawRecord {
    /// The published JSON; throws `.noDraw` for a fifo event and `.drawPending` before the draw.
    static func json(store: any EntryStore, id: String) async throws -> String {
        let event = try await store.event(id: id)
        guard event.order.draws else { throw FirstComeError.noDraw(id) }
        guard event.draw != nil,
            let record = try await store.controlLog(event: id).lazy.map(\.record).first(where: { $0.hasPrefix(#"{"type":"draw""#) }),
            let fields = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any]
        else { throw FirstComeError.drawPending(id) }
        func integer(_ key: String) -> Int64? { (fields[key] as? NSNumber)?.int64Value }
        var object = JSONObject()
        object.string("event", id)
        object.string("order", event.order.rawValue)
        object.string("seed_commitment", event.seedCommitment)
        object.string("secret", fields["secret"] as? String)
        object.string("entry_chain_head", fields["entry_chain"] as? String)
        object.string("beacon", fields["beacon"] as? String)
        object.string("beacon_source", event.beacon)
        object.string("seed", fields["seed"] as? String)
        object.string("algorithm", fields["algorithm"] as? String)
        object.integer("cutoff", integer("cutoff"))
        object.integer("drawn", integer("drawn"))
        object.string("drawn_at", integer("drawn_at").map(Timestamp.format))
        object.string("record", record)
        return object.json
    }
}
