import Foundation
import Logging
import PostgresNIO

/// Column list and row decoding for `events` on PostgreSQL.
enum PostgresEventRow {
    static let columns =
        "key, id, name, prizes, mode, admit_per_tick, opens_at, closes_at, closed_at, entries, serving, awarded, created_at, "
        + "identity_algorithm, identity_key, identity_issuer, identity_audience, genesis, head, control_head, rules, "
        + "presence_timeout_s, version, paused, pow_bits, draw_order, prequeue_at, beacon, beacon_value, draw_cutoff, drawn, drawn_at, "
        + "draw_secret, archived, claim_text, claim_link, pass_lifetime_s"

    static func decode(_ row: PostgresRow) throws -> Event {
        let cells = row.makeRandomAccess()
        var identity: IdentityRule?
        if let name = try cells[13].decode(String?.self), let algorithm = IdentityRule.Algorithm(rawValue: name),
            let key = try cells[14].decode(String?.self)
        {
            identity = try? IdentityRule(
                algorithm: algorithm, key: key, issuer: try cells[15].decode(String?.self), audience: try cells[16].decode(String?.self))
        }
        var event = Event(
            key: try cells[0].decode(Int64.self), id: try cells[1].decode(String.self), name: try cells[2].decode(String.self),
            prizes: try cells[3].decode(Int64.self), mode: EventMode(rawValue: try cells[4].decode(String.self)) ?? .queue,
            admitPerTick: try cells[5].decode(Int64?.self), opensAt: try cells[6].decode(Int64?.self),
            closesAt: try cells[7].decode(Int64?.self), closedAt: try cells[8].decode(Int64?.self),
            entries: try cells[9].decode(Int64.self), serving: try cells[10].decode(Int64.self), awarded: try cells[11].decode(Int64.self),
            createdAt: try cells[12].decode(Int64.self), identity: identity)
        event.genesis = bytes(try cells[17].decode(ByteBuffer.self))
        event.head = bytes(try cells[18].decode(ByteBuffer.self))
        event.controlHead = bytes(try cells[19].decode(ByteBuffer.self))
        event.rules = try cells[20].decode(String.self)
        event.presenceTimeout = try cells[21].decode(Int64?.self)
        event.version = try cells[22].decode(Int64.self)
        event.paused = try cells[23].decode(Bool.self)
        event.powBits = Int64(try cells[24].decode(Int32.self))
        event.order = EventOrder(rawValue: try cells[25].decode(String.self)) ?? .fifo
        event.prequeueAt = try cells[26].decode(Int64?.self)
        event.beacon = try cells[27].decode(String?.self)
        event.beaconValue = try cells[28].decode(String?.self)
        if let cutoff = try cells[29].decode(Int64?.self), let drawn = try cells[30].decode(Int64?.self),
            let drawnAt = try cells[31].decode(Int64?.self)
        {
            event.draw = DrawMade(cutoff: cutoff, drawn: drawn, drawnAt: drawnAt)
        }
        if let secret = try cells[32].decode(ByteBuffer?.self) {
            event.seedCommitment = AuditRecords.hex(DrawAlgorithm.commitment(secret: bytes(secret)))
        }
        event.archived = try cells[33].decode(Bool.self)
        event.claim = ClaimInstructions.stored(
            text: try cells[34].decode(String?.self), link: try cells[35].decode(String?.self),
            passLifetime: try cells[36].decode(Int64?.self))
        return event
    }

    /// The places of an event's expired entries, ascending.
    static func expired(_ connection: PostgresConnection, event: Event, logger: Logger) async throws -> ExpiredSeqs {
        var places: [Int64] = []
        for try await place in try await connection.query(
            """
            SELECT coalesce(e.place, x.seq) FROM expirations x JOIN entries e ON e.event_key = x.event_key AND e.seq = x.seq
             WHERE x.event_key = \(event.key) ORDER BY 1
            """, logger: logger
        ).decode(Int64.self) {
            places.append(place)
        }
        return ExpiredSeqs(places)
    }

    /// The places of an event's drawn entries (an event without a draw: fifo's, or none yet).
    static func places(_ connection: PostgresConnection, event: Event, logger: Logger) async throws -> Places {
        guard let draw = event.draw else { return Places(order: event.order) }
        var pairs: [(seq: Int64, place: Int64)] = []
        for try await (seq, place) in try await connection.query(
            "SELECT seq, place FROM entries WHERE event_key = \(event.key) AND seq <= \(draw.drawn) AND place IS NOT NULL", logger: logger
        ).decode((Int64, Int64).self) {
            pairs.append((seq, place))
        }
        return Places(drawn: draw.drawn, pairs: pairs)
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] {
        Array(buffer.readableBytesView)
    }

    static func all(_ rows: PostgresRowSequence) async throws -> [Event] {
        var events: [Event] = []
        for try await row in rows { events.append(try decode(row)) }
        return events
    }

    static func fetch(_ connection: PostgresConnection, id: String, lock: Bool = false, logger: Logger) async throws -> Event? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM events WHERE id = \(id)\(unescaped: lock ? " FOR UPDATE" : "")", logger: logger)
        return try await all(rows).first
    }

    static func fetchRequired(_ connection: PostgresConnection, id: String, lock: Bool = false, logger: Logger) async throws -> Event {
        guard let event = try await fetch(connection, id: id, lock: lock, logger: logger) else { throw FirstComeError.eventNotFound(id) }
        return event
    }

    static func fetch(_ connection: PostgresConnection, key: Int64, logger: Logger) async throws -> Event {
        let rows = try await connection.query("SELECT \(unescaped: columns) FROM events WHERE key = \(key)", logger: logger)
        guard let event = try await all(rows).first else { throw FirstComeError.internalError }
        return event
    }
}

/// Appends admin actions and decisions to an event's control log on PostgreSQL,
/// inside the caller's transaction (which holds the event row).
enum PostgresControlLog {
    static func append(_ connection: PostgresConnection, event: inout Event, record: String, logger: Logger) async throws {
        let chain = AuditRecords.link(event.controlHead, record)
        try await connection.query(
            """
            INSERT INTO control_log (event_key, position, record, chain)
            SELECT \(event.key), coalesce(max(position), 0) + 1, \(record), \(ByteBuffer(bytes: chain))
              FROM control_log WHERE event_key = \(event.key)
            """, logger: logger)
        try await connection.query(
            "UPDATE events SET control_head = \(ByteBuffer(bytes: chain)) WHERE key = \(event.key)", logger: logger)
        event.controlHead = chain
    }
}
