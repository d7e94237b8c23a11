import Foundation
import Logging
import PostgresNIO

/// Column list and row decoding for `events` on PostgreSQL.
enum PostgresEventRow {
    /// `EventColumns.list`, then the row's version (which a trigger raises on every change).
    static let columns = EventColumns.list + ", version"

    static func decode(_ row: PostgresRow) throws -> Event {
        let cells = row.makeRandomAccess()
        var event = try EventColumns.decode(Cells(cells: cells))
        event.version = try cells[EventColumns.count].decode(Int64.self)
        return event
    }

    /// A PostgreSQL row read by position (integers of any width as Int64).
    struct Cells: EventCells {
        typealias Failure = any Error
        let cells: PostgresRandomAccessRow
        func integer(_ index: Int) throws -> Int64 { try cells[index].decode(Int64.self) }
        func integerOrNil(_ index: Int) throws -> Int64? { try cells[index].decode(Int64?.self) }
        func text(_ index: Int) throws -> String { try cells[index].decode(String.self) }
        func textOrNil(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }
        func flag(_ index: Int) throws -> Bool { try cells[index].decode(Bool.self) }
        func bytesOrNil(_ index: Int) throws -> [UInt8]? { try cells[index].decode(ByteBuffer?.self).map(bytes) }
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
