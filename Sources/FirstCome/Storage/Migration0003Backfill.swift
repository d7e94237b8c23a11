import Crypto
import Foundation
import GRDB

/// Migration 0003's data step, frozen with the record texts of audit v1 as they
/// were when it shipped: it chains rows written before the audit chain existed
/// (genesis and head per event, a link per entry, a control log of the
/// decisions). It calls no application code, so a later change elsewhere cannot
/// migrate an old database differently; AuditTests pins the heads it writes.
enum Migration0003Backfill {
    static func run(_ db: Database) throws {
        let events = try Row.fetchAll(db, sql: "SELECT key, id, prizes, mode, created_at FROM events ORDER BY key")
        for event in events {
            let key: Int64 = event["key"]
            let mode: String = event["mode"] ?? "queue"
            let rules = #"{"event":"# + quote(event["id"]) + #","prizes":"# + String(event["prizes"] as Int64)
                + #","mode":"# + quote(mode == "direct" ? "direct" : "queue") + #","created_at":"# + String(event["created_at"] as Int64) + "}"
            let genesis = Array(SHA256.hash(data: Array(("firstcome/v1/genesis\n" + rules).utf8)))
            var head = genesis
            var chains: [Int64: [UInt8]] = [:]
            let entries = try Row.fetchAll(db, sql: "SELECT seq, user, created_at, payload FROM entries WHERE event_key = ? ORDER BY seq", arguments: [key])
            for entry in entries {
                let seq: Int64 = entry["seq"]
                let payload: String? = entry["payload"]
                let digest = payload.map { hex(Array(SHA256.hash(data: Array($0.utf8)))) } ?? ""
                let record = #"{"seq":"# + String(seq) + #","user":"# + quote(entry["user"]) + #","created_at":"#
                    + String(entry["created_at"] as Int64) + #","payload_sha256":"# + quote(digest) + "}"
                head = link(head, record)
                chains[seq] = head
                try db.execute(sql: "UPDATE entries SET chain = ? WHERE event_key = ? AND seq = ?", arguments: [Data(head), key, seq])
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
                let record = #"{"type":"decision","first_seq":"# + String(first) + #","last_seq":"# + String(last) + #","won":"#
                    + String(won) + #","decided_at":"# + String(decision["decided_at"] as Int64) + #","entry_chain":"#
                    + quote(hex(chains[last] ?? [])) + "}"
                control = link(control, record)
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

    private static func link(_ previous: [UInt8], _ record: String) -> [UInt8] {
        Array(SHA256.hash(data: previous + Array(record.utf8)))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
