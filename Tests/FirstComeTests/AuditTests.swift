import Foundation
import GRDB
import HummingbirdTesting
import Testing

@testable import FirstCome

@Suite("Verifiable audit log")
struct AuditTests {
    let now: Int64 = 1_800_000_000_000

    /// An event with `count` entrants (payloads on every seventh), decided in steps of
    /// `admit` and then closed.
    func giveaway(_ pool: DatabasePool, count: Int, prizes: Int64, admit: Int64? = nil) async throws -> SQLiteEntryStore {
        let store = try SQLiteEntryStore(pool: pool)
        _ = try await store.createEvent(try NewEvent(id: "g", name: "G", prizes: prizes, admitPerTick: admit), now: now)
        var index = 0
        while index < count {
            let batch = (index..<min(count, index + 500)).map {
                Submission(event: "g", user: "user-\($0)", payload: $0 % 7 == 0 ? #"{"n":\#($0)}"# : nil)
            }
            _ = try await store.submit(batch, now: now + Int64(index))
            index += batch.count
        }
        _ = try await store.updateEvent(id: "g", patch: try EventPatch(intake: .closed), now: now + 100_000)
        let scheduler = AwardScheduler(store: store, clock: { self.now + 200_000 })
        while try await store.event(id: "g").waiting > 0 { try await scheduler.tick() }
        return store
    }

    func verify(_ pool: DatabasePool) async throws -> Result<AuditVerifier.Report, AuditVerifier.Failure> {
        var verifier = AuditVerifier()
        do {
            try await AuditExport(store: try SQLiteEntryStore(pool: pool)).write(eventID: "g", includePayload: true) { try verifier.consume($0) }
            return .success(try verifier.finish())
        } catch let failure as AuditVerifier.Failure {
            return .failure(failure)
        }
    }

    @Test("an untouched 10,000-entry event verifies; the commitment matches the replay")
    func untouched() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try await giveaway(pool, count: 10_000, prizes: 100, admit: 3000)
            let report = try await verify(pool).get()
            #expect(report.entries == 10_000 && report.winners == 100 && report.lost == 9_900 && report.waiting == 0)
            let event = try await store.event(id: "g")
            #expect(report.head == AuditRecords.hex(event.head) && report.controlHead == AuditRecords.hex(event.controlHead))
            let winners = try await store.winners(event: "g", after: 0, limit: 1000).map { (seq: $0.seq, user: $0.user) }
            #expect(report.winnersDigest == AuditRecords.winnersDigest(winners))
        }
    }

    @Test("editing, deleting or swapping any stored entry makes verify fail at that seq", arguments: [
        ("UPDATE entries SET user = 'mallory' WHERE seq = 42", Int64(42)),
        ("UPDATE entries SET status = 'won' WHERE seq = 150", 150),
        ("DELETE FROM entries WHERE seq = 77", 77),
        ("UPDATE entries SET user = 'swap' WHERE seq = 10; UPDATE entries SET user = 'user-9' WHERE seq = 11; UPDATE entries SET user = 'user-10' WHERE seq = 10", 10),
        ("UPDATE entries SET seq = 999999 WHERE seq = 20; UPDATE entries SET seq = 20 WHERE seq = 21; UPDATE entries SET seq = 21 WHERE seq = 999999", 20),
        ("UPDATE entries SET created_at = created_at + 1 WHERE seq = 5", 5),
        ("UPDATE entries SET payload = '{\"n\":8}' WHERE seq = 7", 7),
        ("UPDATE events SET serving = 250", 251),
    ])
    func tampering(sql: String, badSeq: Int64) async throws {
        try await TemporaryDatabase.with { pool, _ in
            _ = try await giveaway(pool, count: 300, prizes: 20, admit: 50)
            _ = try await verify(pool).get()
            try await pool.writeWithoutTransaction { db in
                // A tamperer with the file removes the guards first.
                for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                    try db.execute(sql: "DROP TRIGGER \(name)")
                }
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                try db.execute(sql: sql)
            }
            switch try await verify(pool) {
            case .success: Issue.record("verify passed after: \(sql)")
            case .failure(let failure): #expect(failure.seq == badSeq, "\(sql): \(failure)")
            }
        }
    }

    @Test("editing the control log or the winner count is caught")
    func controlTampering() async throws {
        try await TemporaryDatabase.with { pool, _ in
            _ = try await giveaway(pool, count: 100, prizes: 10, admit: 40)
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "DROP TRIGGER control_log_append_only_update")
                try db.execute(sql: #"UPDATE control_log SET record = replace(record, '"won":10', '"won":9') WHERE record LIKE '%"won":10%'"#)
            }
            switch try await verify(pool) {
            case .success: Issue.record("verify passed")
            case .failure(let failure): #expect(failure.message.contains("control log position"))
            }
        }
    }

    @Test("rows written before the audit migration are chained by it and verify")
    func backfill() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let old = try DatabasePool(path: database.path)
        try Migrations.migrator.migrate(old, upTo: "0002_event_identity")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO secrets (name, value) SELECT 'x', randomblob(32) WHERE 0")
            try db.execute(sql: "INSERT INTO events (id, name, prizes, mode, created_at) VALUES ('g', 'G', 2, 'queue', 1)")
            for seq in 1...5 {
                try db.execute(sql: "INSERT INTO entries (event_key, seq, user, created_at) VALUES (1, ?, ?, ?)", arguments: [seq, "u\(seq)", 10 + seq])
            }
            try db.execute(sql: "UPDATE events SET entries = 5")
            try db.execute(sql: "UPDATE entries SET status = 'won', decided_at = 20 WHERE seq <= 2")
            try db.execute(sql: "INSERT INTO decisions (event_key, last_seq, first_seq, decided_at) VALUES (1, 5, 1, 20)")
            try db.execute(sql: "UPDATE events SET serving = 5")
        }
        try old.close()
        let pool = try FirstComeDatabase.open(path: database.path)
        let report = try await verify(pool).get()
        #expect(report.entries == 5 && report.winners == 2 && report.lost == 3)
        // Migration 0003 hashes with the audit v1 record functions (AuditRecords):
        // these heads pin what it writes, so a change to them that would make an
        // old database migrate differently fails here.
        #expect(report.head == "8253b9e7aab8f0ff8c5a2b61a141b824f6670154ca8bd06b35057a63694dd8b4" && report.controlHead == "bbbd122c50f7396f5c1e277d667a415f20f51bb216c58fcb01115bcdb3e6648a", "\(report.head) \(report.controlHead)")
        try pool.close()
    }

    @Test("receipts in replies, the commitment endpoint, and an export that verifies offline")
    func overHTTP() async throws {
        try await withLiveApp(tick: .milliseconds(20)) { client, store in
            try await client.json(.post, "/v1/events", body: #"{"id":"g","name":"G","prizes":5}"#, admin: true)
            var receipts: [String] = []
            var tokens: [String] = []
            for user in ["a", "b", "c"] {
                let reply = try await client.json(.post, "/v1/events/g/entries", body: #"{"user":"\#(user)"}"#)
                receipts.append(reply.json["receipt"] as? String ?? "")
                tokens.append(reply.json["token"] as? String ?? "")
            }
            #expect(receipts.allSatisfy { $0.count == 64 } && Set(receipts).count == 3)
            let early = try await client.json(.get, "/v1/events/g/commitment")
            #expect(early.status == .conflict && errorCode(early.json) == "event_not_final", "still open")
            try await client.json(.patch, "/v1/events/g", body: #"{"state":"closed"}"#, admin: true)
            #expect(try await eventually { (try await client.json(.get, "/v1/events/g")).json["waiting"] as? Int == 0 })
            let poll = try await client.json(.get, "/v1/entries/\(tokens[1])")
            #expect(poll.json["receipt"] as? String == receipts[1])
            let commitment = try await client.json(.get, "/v1/events/g/commitment")
            #expect(commitment.status == .ok && commitment.json["winners"] as? Int == 3 && commitment.json["entries"] as? Int == 3)
            #expect(commitment.json["head"] as? String == receipts[2])

            var lines: [String] = []
            try await AuditExport(store: store).write(eventID: "g", includePayload: true) { lines.append($0) }
            var verifier = AuditVerifier()
            for line in lines { try verifier.consume(line) }
            let report = try verifier.finish()
            #expect(report.winnersDigest == commitment.json["winners_digest"] as? String)
            #expect(report.controlHead == commitment.json["control_head"] as? String)
        }
    }

    @Test("audit export, verify --file, tampered file, and audit entry through the CLI")
    func cli() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        do {
            let pool = try FirstComeDatabase.open(path: database.path)
            _ = try await giveaway(pool, count: 50, prizes: 5)
            try pool.close()
        }
        let exportPath = database.directory.appending(path: "g.jsonl").path(percentEncoded: false)
        let export = try Binary.run(["audit", "export", "--db", database.path, "--event", "g", "--include-payload", "--output", exportPath])
        #expect(export.status == 0, "\(export.err)")
        let fromDB = try Binary.run(["audit", "verify", "--db", database.path, "--event", "g"])
        #expect(fromDB.status == 0 && fromDB.out.contains("winners: 5"), "\(fromDB.out)\(fromDB.err)")
        let offline = try Binary.run(["audit", "verify", "--file", exportPath])
        #expect(offline.status == 0 && offline.out == fromDB.out)

        var text = try String(contentsOfFile: exportPath, encoding: .utf8)
        text = text.replacingOccurrences(of: #""user":"user-3""#, with: #""user":"user-X""#)
        try text.write(toFile: exportPath, atomically: true, encoding: .utf8)
        let tampered = try Binary.run(["audit", "verify", "--file", exportPath])
        #expect(tampered.status == 1 && tampered.out.contains("seq 4"), "\(tampered.out)")

        let csv = try Binary.run(["audit", "export", "--db", database.path, "--event", "g", "--format", "csv"])
        #expect(csv.out.split(separator: "\n").count == 51 && csv.out.hasPrefix("seq,user,created_at,status,payload_sha256,chain"))
        let firstRow = csv.out.split(separator: "\n")[1].split(separator: ",")
        #expect(firstRow[2].hasPrefix("20") && firstRow[2].hasSuffix("Z"), "created_at in RFC 3339: \(firstRow[2])")
        let entry = try Binary.run(["audit", "entry", "--db", database.path, "--event", "g", "--user", "user-2"])
        let object = try JSONSerialization.jsonObject(with: Data(entry.out.utf8)) as? [String: Any]
        #expect(object?["seq"] as? Int == 3 && object?["status"] as? String == "won" && (object?["receipt"] as? String)?.count == 64)
        #expect(object?["decision"] is [String: Any])
        let nobody = try Binary.run(["audit", "entry", "--db", database.path, "--event", "g", "--user", "nobody"])
        #expect(nobody.status == 1)
    }
}
