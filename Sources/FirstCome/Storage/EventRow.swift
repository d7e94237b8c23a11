import Foundation
import GRDB

/// Reading `events` on SQLite (the columns and their decoding: `EventColumns`).
enum EventRow {
    static let columns = EventColumns.list

    static func decode(_ row: Row) -> Event {
        EventColumns.decode(Cells(row: row))
    }

    /// A GRDB row read by position; SQLite's dynamic types read as the column says.
    struct Cells: EventCells {
        typealias Failure = Never
        let row: Row
        func integer(_ index: Int) -> Int64 { row[index] }
        func integerOrNil(_ index: Int) -> Int64? { row[index] }
        func text(_ index: Int) -> String { row[index] }
        func textOrNil(_ index: Int) -> String? { row[index] }
        func flag(_ index: Int) -> Bool { row[index] }
        func bytesOrNil(_ index: Int) -> [UInt8]? { (row[index] as Data?).map { [UInt8]($0) } }
    }

    static func bytes(_ data: Data?) -> [UInt8] {
        data.map { [UInt8]($0) } ?? []
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
