import Foundation
import GRDB
import Testing

@testable import FirstCome

@Suite("Backup and restore", .serialized)
struct BackupTests {
    @Test("backup during load, restore refused while served, then serve the backup and audit it")
    func backupUnderLoad() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let backupPath = database.directory.appending(path: "backup.sqlite").path(percentEncoded: false)
        let restoredPath = database.directory.appending(path: "restored.sqlite").path(percentEncoded: false)

        let server = try ServerProcess(database: database.path)
        try await DemoAPI(base: server.baseURL, adminToken: testAdminToken).createEvent(id: "b", prizes: 10)
        let submitters = Submitters()
        let load = Task { await submitters.run(baseURL: server.baseURL, event: "b", workers: 16, prefix: "b") }
        // Some entries are in before the backup starts, however busy the machine.
        let started = ContinuousClock.now + .seconds(30)
        while submitters.acknowledged.count < 20 && ContinuousClock.now < started {
            try await Task.sleep(for: .milliseconds(20))
        }
        let backup = try Binary.run(["backup", "--db", database.path, "--to", backupPath])
        #expect(backup.status == 0 && backup.out.contains("backed up"), "\(backup.err)")

        let again = try Binary.run(["backup", "--db", database.path, "--to", backupPath])
        #expect(again.status == 1 && again.err.contains("--force"))
        let busy = try Binary.run(["restore", "--from", backupPath, "--db", database.path, "--force"])
        #expect(busy.status == 1 && busy.err.contains("in use by a running firstcome server"))

        submitters.stop()
        await load.value
        #expect(server.stop() == 0)

        // The backup is a consistent prefix of what the live database holds.
        let live = try await entries(database.path)
        let copy = try await entries(backupPath)
        try #require(!copy.isEmpty, "the backup holds the entries acknowledged before it")
        #expect(copy.count <= live.count)
        #expect(copy.map(\.seq) == (0..<Int64(copy.count)).map { $0 + 1 })
        #expect(copy.allSatisfy { live[Int($0.seq) - 1] == $0 })

        let restore = try Binary.run(["restore", "--from", backupPath, "--db", restoredPath])
        #expect(restore.status == 0 && restore.out.contains("restored"), "\(restore.err)")
        let refused = try Binary.run(["restore", "--from", backupPath, "--db", restoredPath])
        #expect(refused.status == 1 && refused.err.contains("--force"))

        let fromBackup = try ServerProcess(database: restoredPath)
        let api = DemoAPI(base: fromBackup.baseURL, adminToken: testAdminToken)
        #expect(try await eventually { try await api.event("b").waiting == 0 })
        #expect(try await api.winnerSeqs("b") == Array(1...min(10, Int64(copy.count))))
        let poll = try await api.pollStatus(token: copy[0].token)
        #expect(poll == "won")
        #expect(fromBackup.stop() == 0)
    }

    struct Stored: Equatable {
        let seq: Int64
        let user: String
        let token: String
    }

    func entries(_ path: String) async throws -> [Stored] {
        let pool = try FirstComeDatabase.openForReading(path: path)
        defer { try? pool.close() }
        let store = try SQLiteEntryStore(pool: pool)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT event_key, seq, user FROM entries ORDER BY seq").map {
                Stored(seq: $0["seq"], user: $0["user"], token: store.live.token(eventKey: $0["event_key"], seq: $0["seq"]))
            }
        }
    }
}
