import Foundation
import GRDB

/// Column list and row decoding for `events`, shared by every query on it.
enum EventRow {
    static let columns =
        "key, id, name, prizes, mode, admit_per_tick, opens_at, closes_at, closed_at, entries, serving, awarded, created_at, "
        + "identity_algorithm, identity_key, identity_issuer, identity_audience, genesis, head, control_head, rules, "
        + "presence_timeout_s, paused, pow_bits, draw_order, prequeue_at, beacon, beacon_value, draw_cutoff, drawn, drawn_at, draw_secret, "
        + "archived, claim_text, claim_link, pass_lifetime_s"

    static func decode(_ row: Row) -> Event {
        var event = Event(
            key: row[0], id: row[1], name: row[2], prizes: row[3],
            mode: EventMode(rawValue: row[4]) ?? .queue,
            admitPerTick: row[5], opensAt: row[6], closesAt: row[7], closedAt: row[8],
            entries: row[9], serving: row[10], awarded: row[11], createdAt: row[12],
            identity: identity(row)
        )
        event.genesis = bytes(row[17])
        event.head = bytes(row[18])
        event.controlHead = bytes(row[19])
        event.rules = row[20] ?? ""
        event.presenceTimeout = row[21]
        event.paused = row[22]
        event.powBits = row[23]
        event.order = EventOrder(rawValue: row[24]) ?? .fifo
        event.prequeueAt = row[25]
        event.beacon = row[26]
        event.beaconValue = row[27]
        if let cutoff: Int64 = row[28], let drawn: Int64 = row[29], let drawnAt: Int64 = row[30] {
            event.draw = DrawMade(cutoff: cutoff, drawn: drawn, drawnAt: drawnAt)
        }
        if let secret: Data = row[31] { event.seedCommitment = AuditRecords.hex(DrawAlgorithm.commitment(secret: [UInt8](secret))) }
        event.archived = row[32]
        event.claim = ClaimInstructions.stored(text: row[33], link: row[34], passLifetime: row[35])
        return event
    }

    static func bytes(_ data: Data?) -> [UInt8] {
        data.map { [UInt8]($0) } ?? []
    }

    static func identity(_ row: Row) -> IdentityRule? {
        guard let name: String = row[13], let algorithm = IdentityRule.Algorithm(rawValue: name), let key: String = row[14] else {
            return nil
        }
        return try? IdentityRule(algorithm: algorithm, key: key, issuer: row[15], audience: row[16])
    }

    static func fetch(_ db: Database, id: String) throws -> Event? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM events WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(decode)
    }

    static func fetchRequired(_ db: Database, id: String) throws -> Event {
        guard let event = try fetch(db, id: id) else { throw FirstComeError.eventNotFound(id) }
        return event
    }

    /// The places of an event's expired entries, ascending.
    static func expired(_ db: Database, eventKey: Int64) throws -> ExpiredSeqs {
        ExpiredSeqs(try Int64.fetchAll(
            db.cachedStatement(sql: """
                SELECT coalesce(e.place, x.seq) FROM expirations x JOIN entries e ON e.event_key = x.event_key AND e.seq = x.seq
                 WHERE x.event_key = ? ORDER BY 1
                """), arguments: [eventKey]))
    }

    /// The places of an event's drawn entries (an event without a draw: fifo's, or none yet).
    static func places(_ db: Database, event: Event) throws -> Places {
        guard let draw = event.draw else { return Places(order: event.order) }
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT seq, place FROM entries WHERE event_key = ? AND seq <= ? AND place IS NOT NULL"),
            arguments: [event.key, draw.drawn])
        return Places(drawn: draw.drawn, pairs: rows.map { (seq: $0[0], place: $0[1]) })
    }
}
