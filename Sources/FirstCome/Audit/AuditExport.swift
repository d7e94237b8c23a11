import Foundation
import GRDB

/// Writes an event's full audit log as JSON Lines, in an order an outsider can
/// replay: the event and its rules, every entry in seq order, the control log
/// (admin actions and decisions) in order, then the heads.
///
/// Lines: `{"type":"event",…}`, `{"type":"entry",…}`, `{"type":"control",…}`,
/// `{"type":"heads",…}`. Record texts that were hashed are carried as strings,
/// byte for byte.
public struct AuditExport: Sendable {
    let pool: DatabasePool

    public init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Streams the log of `eventID` to `emit`, a line at a time (no newline).
    public func write(eventID: String, includePayload: Bool, emit: (String) throws -> Void) throws {
        let event = try pool.read { db in try EventRow.fetchRequired(db, id: eventID) }
        var header = JSONObject()
        header.string("type", "event")
        header.string("event", event.id)
        header.string("name", event.name)
        let rules = try pool.read { db in
            try String.fetchOne(db, sql: "SELECT rules FROM events WHERE key = ?", arguments: [event.key]) ?? "{}"
        }
        header.string("rules", rules)
        header.string("genesis", AuditRecords.hex(event.genesis))
        try emit(header.json)

        var after: Int64 = 0
        while true {
            let rows = try pool.read { db in
                try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT seq, user, created_at, payload, status, \(EventRow.expiredColumn), chain FROM entries
                         WHERE event_key = ? AND seq > ? ORDER BY seq LIMIT 2000
                        """), arguments: [event.key, after])
            }
            guard let last = rows.last else { break }
            for row in rows {
                let seq: Int64 = row["seq"]
                let payload: String? = row["payload"]
                var line = JSONObject()
                line.string("type", "entry")
                line.integer("seq", seq)
                line.string("user", row["user"])
                line.integer("created_at", row["created_at"])
                line.string("payload_sha256", AuditRecords.payloadDigest(payload))
                line.string("status", EventRow.status(stored: row["status"], expired: row["expired"], seq: seq, serving: event.serving).rawValue)
                line.string("chain", AuditRecords.hex(EventRow.bytes(row["chain"])))
                if includePayload, let payload { line.string("payload", payload) }
                try emit(line.json)
            }
            after = last["seq"]
        }

        let control = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT position, record, chain FROM control_log WHERE event_key = ? ORDER BY position", arguments: [event.key])
        }
        for row in control {
            var line = JSONObject()
            line.string("type", "control")
            line.integer("position", row["position"])
            line.string("record", row["record"])
            line.string("chain", AuditRecords.hex(EventRow.bytes(row["chain"])))
            try emit(line.json)
        }

        var heads = JSONObject()
        heads.string("type", "heads")
        heads.integer("entries", event.entries)
        heads.string("head", AuditRecords.hex(event.head))
        heads.string("control_head", AuditRecords.hex(event.controlHead))
        try emit(heads.json)
    }

    /// The CSV row for an entry line of the export (`nil` for other lines).
    public static func csvRow(_ line: String, includePayload: Bool) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            object["type"] as? String == "entry"
        else { return nil }
        var fields = ["seq", "user", "created_at", "status", "payload_sha256", "chain"].map { key -> String in
            if let number = object[key] as? NSNumber { return number.stringValue }
            return WinnersExport.csvField(object[key] as? String ?? "")
        }
        if includePayload { fields.append(WinnersExport.csvField(object["payload"] as? String ?? "")) }
        return fields.joined(separator: ",")
    }

    /// One user's entry as JSON: where it stands in the log and what happened to it.
    public func entryReport(eventID: String, user: String) throws -> String? {
        try pool.read { db in
            let event = try EventRow.fetchRequired(db, id: eventID)
            guard let row = try Row.fetchOne(
                db,
                sql: "SELECT seq, created_at, payload, status, \(EventRow.expiredColumn), chain FROM entries WHERE event_key = ? AND user = ?",
                arguments: [event.key, user])
            else { return nil }
            let seq: Int64 = row["seq"]
            let status = EventRow.status(stored: row["status"], expired: row["expired"], seq: seq, serving: event.serving)
            var object = JSONObject()
            object.string("event", event.id)
            object.string("user", user)
            object.integer("seq", seq)
            object.string("status", status.rawValue)
            object.string("created_at", Timestamp.format(row["created_at"]))
            let decidedAt = status == .waiting ? nil : try EventRow.decisionTime(db, eventKey: event.key, seq: seq)
            object.string("decided_at", decidedAt.map(Timestamp.format))
            object.string("payload_sha256", AuditRecords.payloadDigest(row["payload"]))
            object.string("receipt", AuditRecords.hex(EventRow.bytes(row["chain"])))
            if status != .waiting {
                let records = try String.fetchAll(
                    db, sql: "SELECT record FROM control_log WHERE event_key = ? AND record LIKE '{\"type\":\"decision\"%' ORDER BY position",
                    arguments: [event.key])
                let settling = records.first { record in
                    guard let fields = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any],
                        let first = (fields["first_seq"] as? NSNumber)?.int64Value, let last = (fields["last_seq"] as? NSNumber)?.int64Value
                    else { return false }
                    return (first...last).contains(seq)
                }
                object.raw("decision", settling ?? "null")
            }
            object.integer("waiting_ahead", event.position(ofSeq: seq))
            return object.json
        }
    }
}
