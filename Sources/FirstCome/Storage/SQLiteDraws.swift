import GRDB

extension SQLiteEntryStore {
    public func makeDueDraws(now: Int64) async throws -> [String] {
        let pending = try await StorageErrors.translating {
            try await pool.read { db in
                try Row.fetchAll(db.cachedStatement(sql: "SELECT \(EventRow.columns) FROM events WHERE draw_order <> 'fifo' AND drawn_at IS NULL"))
                    .map(EventRow.decode)
            }
        }
        var drawn: [String] = []
        for candidate in pending where candidate.drawDue(at: now) {
            let made = try await StorageErrors.translating {
                try await pool.write { db -> (Event, [Int64])? in
                    var event = try EventRow.fetchRequired(db, id: candidate.id)
                    guard let order = try DrawStep.make(db, event: &event, now: now) else { return nil }
                    event.version = stamps.next()
                    return (event, order)
                }
            }
            guard let (event, order) = made else { continue }
            board.update(event, places: Places(seqAtPlace: order))
            drawn.append(event.id)
        }
        return drawn
    }

    public func postBeacon(event id: String, value: String, now: Int64) async throws -> Event {
        let event = try await StorageErrors.translating {
            try await pool.write { db in
                var event = try EventRow.fetchRequired(db, id: id).withBeacon(value, now: now)
                try db.execute(sql: "UPDATE events SET beacon_value = ? WHERE key = ?", arguments: [event.beaconValue, event.key])
                event.version = stamps.next()
                return event
            }
        }
        board.update(event)
        return event
    }
}
