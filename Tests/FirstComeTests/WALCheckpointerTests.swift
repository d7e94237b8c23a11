import Foundation
import GRDB
import Logging
import Testing

@testable import FirstCome

/// The WAL is checkpointed in the background, never by the committing writer.
@Suite struct WALCheckpointerTests {
    @Test func checkpointsLeaveTheWriterAlone() async throws {
        try await TemporaryDatabase.with { pool, database in
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "wal", name: "WAL", prizes: 10), now: 1_000)
            let checkpointer = WALCheckpointer(pool: pool, logger: Logger(label: "test"))
            let running = Task { try await checkpointer.run() }
            #expect(try await eventually { try await pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 0 })
            // Enough pages (several thousand) that SQLite's own threshold (1,000) would have made commits checkpoint.
            for batch in 0..<60 {
                _ = try await store.submit(
                    (0..<250).map { Submission(event: "wal", user: "u\(batch)-\($0)-" + String(repeating: "x", count: 110), payload: nil) },
                    now: 2_000)
            }
            let wal = database.path + "-wal"
            let walBytes = { (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? -1 }
            // The background checkpoint copies every frame into the database file.
            #expect(try await eventually(timeout: .seconds(10)) {
                let row = try await pool.writeWithoutTransaction { try Row.fetchOne($0, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
                let log: Int = row?[1] ?? -1
                let done: Int = row?[2] ?? -2
                return log == done
            })
            running.cancel()
            try await running.value
            #expect(try await pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == WALCheckpointer.defaultAutocheckpoint)
            #expect(walBytes() == 0)
            #expect(try await store.event(id: "wal").entries == 15_000)
        }
    }
}
