import Foundation
import GRDB

/// Appends admin actions and decisions to an event's control log, inside the
/// caller's write transaction, chaining each record to the previous link.
enum ControlLog {
    static func append(_ db: Database, event: inout Event, record: String) throws {
        let position = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT coalesce(max(position), 0) + 1 FROM control_log WHERE event_key = ?"),
            arguments: [event.key]) ?? 1
        let chain = AuditRecords.link(event.controlHead, record)
        try db.cachedStatement(sql: "INSERT INTO control_log (event_key, position, record, chain) VALUES (?, ?, ?, ?)")
            .execute(arguments: [event.key, position, record, Data(chain)])
        try db.cachedStatement(sql: "UPDATE events SET control_head = ? WHERE key = ?").execute(arguments: [Data(chain), event.key])
        event.controlHead = chain
    }
}
