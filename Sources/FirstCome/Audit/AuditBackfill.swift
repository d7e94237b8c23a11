import Foundation
import GRDB

/// Chains rows written before the audit migration (0003): genesis and head per
/// event, a chain link per entry, and a control log made from the decisions.
enum AuditBackfill {
    static func run(_ db: Database) throws {
        let events = try Row.fetchAll(db, sql: "SELECT key, id, prizes, mode, created_at FROM events ORDER BY key")
        for event in events {
            let key: Int64 = event["key"]
            let mode = EventMode(rawValue: event["mode"]) ?? .queue
            let rules = AuditRecords.rules(event: event["id"], prizes: event["prizes"], mode: mode, createdAt: event["created_at"])
            let genesis = AuditRecords.genesis(rules: rules)
            var head = genesis
            var chains: [Int64: [UInt8]] = [:]
            let entries = try Row.fetchAll(db, sql: "SELECT seq, user, created_at, payload FROM entries WHERE event_key = ? ORDER BY seq", arguments: [key])
            for entry in entries {
                let record = AuditRecords.entry(
                    seq: entry["seq"], user: entry["user"], createdAt: entry["created_at"],
                    payloadDigest: AuditRecords.payloadDigest(entry["payload"]))
                head = AuditRecords.link(head, record)
                chains[entry["seq"]] = head
                try db.execute(sql: "UPDATE entries SET chain = ? WHERE event_key = ? AND seq = ?", arguments: [Data(head), key, entry["seq"] as Int64])
            }
            var control = genesis
            var position: Int64 = 0
            let decisions = try Row.fetchAll(
                db, sql: "SELECT first_seq, last_seq, decided_at FROM decisions WHERE event_key = ? ORDER BY last_seq", arguments: [key])
            for decision in decisions {
                let first: Int64 = decision["first_seq"]
                let last: Int64 = decision["last_seq"]
                let won = try Int64.fetchOne(
                    db, sql: "SELECT count(*) FROM entries WHERE event_key = ? AND seq BETWEEN ? AND ? AND status = 'won'",
                    arguments: [key, first, last]) ?? 0
                let record = AuditRecords.decision(
                    first: first, last: last, won: won, decidedAt: decision["decided_at"], entryChain: chains[last] ?? [])
                control = AuditRecords.link(control, record)
                position += 1
                try db.execute(
                    sql: "INSERT INTO control_log (event_key, position, record, chain) VALUES (?, ?, ?, ?)",
                    arguments: [key, position, record, Data(control)])
            }
            try db.execute(
                sql: "UPDATE events SET rules = ?, genesis = ?, head = ?, control_head = ? WHERE key = ?",
                arguments: [rules, Data(genesis), Data(head), Data(control), key])
        }
    }
}
