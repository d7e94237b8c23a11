import GRDB

extension SQLiteEntryStore {
    public func makeDueDraws(now: Int64) async throws -> [String] {
        let pending = try await StorageErrors.translating {
            try await pool.read { db in
                try Row.fetchAll(db.cachedStatement(sql: "SELECT \(EventRow.columns) FROM events \(EventColumns.undrawnFilter)"))
                    .map(EventRow.decode)
            }
        }
        var drawn: [String] = []
        for candidate in pending where candidate.drawDue(at: now) {
            let made = try await StorageErrors.translating {
                try await pool.write { db -> DrawProcedure.Made? in
                    guard var made = try db.run(DrawProcedure.make(try EventRow.fetchRequired(db, id: candidate.id), now: now)) else { return nil }
                    made.event.version = stamps.next()
                    return made
                }
            }
            guard let made else { continue }
            board.update(made.event, places: Places(seqAtPlace: made.order))
            drawn.append(made.event.id)
        }
        return drawn
    }

    public func postBeacon(event id: String, value: String, now: Int64) async throws -> Event {
        let event = try await StorageErrors.translating {
            try await pool.write { db in
                var event = try EventRow.fetchRequired(db, id: id).withBeacon(value, now: now)
                try db.run(EventSQL.beacon(event))
                event.version = stamps.next()
                return event
            }
        }
        board.update(event)
        return event
    }
}
