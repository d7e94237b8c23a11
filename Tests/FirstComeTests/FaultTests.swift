import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import FirstCome

@Suite("Database faults give clear answers and heal", .serialized)
struct FaultTests {
    /// A live server on the database at `path`, opened with a short busy timeout.
    func withServer(path: String, _ body: @escaping @Sendable (any TestClientProtocol, DatabasePool) async throws -> Void) async throws {
        let pool = try FirstComeDatabase.open(path: path, busyTimeout: .milliseconds(200))
        var logger = Logger(label: "firstcome.test")
        logger.logLevel = .critical
        let app = try buildApplication(settings: AppSettings(port: 0, adminToken: testAdminToken, tickInterval: .milliseconds(50)), store: try SQLiteEntryStore(pool: pool), logger: logger)
        try await app.test(.live) { client in try await body(client, pool) }
        try pool.close()
    }

    func submit(_ client: any TestClientProtocol, _ user: String) async throws -> (status: Int, code: String?, retryAfter: String?) {
        let reply = try await client.json(.post, "/v1/events/f/entries", body: #"{"user":"\#(user)","payload":{"pad":"\#(String(repeating: "p", count: 3000))"}}"#)
        return (Int(reply.status.code), errorCode(reply.json), reply.response.headers[.retryAfter])
    }

    /// Submits distinct users until one is refused; returns the acknowledged users and the refusal.
    func submitUntilRefused(
        _ client: any TestClientProtocol, limit: Int
    ) async throws -> (acknowledged: [String], refusal: (status: Int, code: String?, retryAfter: String?)?) {
        var acknowledged: [String] = []
        for index in 0..<limit {
            let reply = try await submit(client, "u\(index)")
            guard reply.status == 201 else { return (acknowledged, reply) }
            acknowledged.append("u\(index)")
        }
        return (acknowledged, nil)
    }

    @Test("a database locked elsewhere past the busy timeout: 503 storage_busy with Retry-After, then recovery")
    func locked() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        try await withServer(path: database.path) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"f","name":"F","prizes":1}"#, admin: true)
            let blocker = try ShutdownTests.holdWriteLock(database.path)
            let busy = try await submit(client, "a")
            #expect(busy.status == 503 && busy.code == "storage_busy" && busy.retryAfter == "1")
            try await blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            try blocker.close()
            let ok = try await submit(client, "a")
            #expect(ok.status == 201)
        }
    }

    @Test("disk full (SQLite max_page_count reached): 503 storage_unavailable, nothing acknowledged is lost, recovery")
    func diskFullInjected() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        try await withServer(path: database.path) { client, pool in
            try await client.json(.post, "/v1/events", body: #"{"id":"f","name":"F","prizes":1}"#, admin: true)
            try await pool.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(pages + 2)")
            }
            let (acknowledged, full) = try await submitUntilRefused(client, limit: 200)
            #expect(full?.status == 503 && full?.code == "storage_unavailable" && full?.retryAfter == "1")
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            #expect(try await submit(client, "after").status == 201)
            let users = try await pool.read { db in try String.fetchAll(db, sql: "SELECT user FROM entries ORDER BY seq") }
            #expect(users == acknowledged + ["after"])
        }
    }

    @Test("a read-only database: 503 storage_unavailable, then recovery")
    func readOnlyInjected() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        try await withServer(path: database.path) { client, pool in
            try await client.json(.post, "/v1/events", body: #"{"id":"f","name":"F","prizes":1}"#, admin: true)
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = 1") }
            let refused = try await submit(client, "a")
            #expect(refused.status == 503 && refused.code == "storage_unavailable")
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = 0") }
            #expect(try await submit(client, "a").status == 201)
        }
    }

    static var canMount: Bool {
        guard geteuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appending(path: "firstcome-mount-probe-\(getpid())").path(percentEncoded: false)
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? Binary.shell("mount -t tmpfs -o size=64k tmpfs \(probe)")) == 0 else { return false }
        _ = try? Binary.shell("umount \(probe)")
        return true
    }

    @Test("a really full file system (small tmpfs): 503 storage_unavailable, heals when space returns",
          .enabled(if: canMount, "needs root and mount(8) for a small tmpfs"))
    func diskFullTmpfs() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appending(path: "firstcome-full-\(UUID().uuidString)").path(percentEncoded: false)
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        #expect(try Binary.shell("mount -t tmpfs -o size=4m tmpfs \(mountPoint)") == 0)
        defer {
            _ = try? Binary.shell("umount \(mountPoint)")
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let path = mountPoint + "/full.sqlite"
        let filler = mountPoint + "/filler"
        try await withServer(path: path) { client, pool in
            try await client.json(.post, "/v1/events", body: #"{"id":"f","name":"F","prizes":1}"#, admin: true)
            // Fill the file system but for about 256 KiB, so some entries still fit.
            let free = try FileManager.default.attributesOfFileSystem(forPath: mountPoint)[.systemFreeSize] as? Int ?? 0
            let fillerBlocks = max(0, (free - 256 * 1024) / 4096)
            #expect(try Binary.shell("dd if=/dev/zero of=\(filler) bs=4k count=\(fillerBlocks) 2>/dev/null") == 0)
            let (acknowledged, full) = try await submitUntilRefused(client, limit: 2000)
            #expect(full?.status == 503 && full?.code == "storage_unavailable")
            #expect(!acknowledged.isEmpty, "entries were accepted until the disk filled up")
            try FileManager.default.removeItem(atPath: filler)
            #expect(try await eventually { try await submit(client, "after").status == 201 })
            let users = try await pool.read { db in try String.fetchAll(db, sql: "SELECT user FROM entries ORDER BY seq") }
            #expect(users == acknowledged + ["after"])
        }
    }

    @Test("a damaged database file stops start-up with one line and a non-zero exit")
    func corruptFile() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        do {
            let pool = try FirstComeDatabase.open(path: database.path)
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "e", name: "E", prizes: 1), now: 1)
            _ = try await store.submit((0..<2000).map { Submission(event: "e", user: "user-\($0)", payload: nil) }, now: 2)
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try pool.close()
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: database.path))
        try handle.seek(toOffset: 4096 * 3)
        handle.write(Data((0..<(4096 * 4)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        try handle.close()
        let result = try Binary.run(["serve", "--port", "0", "--db", database.path, "--admin-token", testAdminToken])
        #expect(result.status == 1)
        let lines = result.err.split(separator: "\n").filter { $0.hasPrefix("firstcome:") }
        #expect(lines.count == 1 && lines.first?.contains("damaged") == true, "\(result.err)")
    }

    @Test("the start-up integrity check is logged")
    func startupCheckLogged() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path)
        #expect(server.startupLog.contains("integrity check ok"))
        #expect(server.stop() == 0)
    }
}
