import AsyncHTTPClient
import Foundation
import GRDB
import Testing

@testable import FirstCome

@Suite("Graceful shutdown", .serialized)
struct ShutdownTests {
    /// Holds the write lock of a database from another connection, like a stuck process.
    static func holdWriteLock(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        // The server writes too (its award tick): wait for its transaction to end.
        config.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        return queue
    }

    @Test("SIGTERM finishes accepted requests (reply after commit), refuses new connections, exits 0")
    func sigtermDrains() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path, extra: ["--busy-timeout-ms", "20000"])
        let base = server.baseURL
        try await DemoAPI(base: base, adminToken: testAdminToken).createEvent(id: "bye", prizes: 5)

        // Requests pile up behind a lock held elsewhere: they are accepted but not yet committed.
        let blocker = try Self.holdWriteLock(database.path)
        let submitters = Submitters()
        let load = Task { await submitters.run(baseURL: base, event: "bye", workers: 8, prefix: "t", limitPerWorker: 1) }
        // All eight read by the server and waiting for their commit (however busy the machine).
        let api = DemoAPI(base: base, adminToken: testAdminToken)
        #expect(try await eventually(timeout: .seconds(30)) {
            let text = String(buffer: try await api.call(.GET, "/metrics", expect: 200))
            return text.split(separator: "\n").contains { line in
                line.hasPrefix("firstcome_commit_pending_submissions ") && Double(line.split(separator: " ").last ?? "") == 8
            }
        }, "eight submissions accepted and pending")
        #expect(submitters.acknowledged.isEmpty)

        server.process.signal(SIGTERM)
        // Draining has begun once the listener is closed: new connections are refused.
        #expect(try await eventually { Socket.refused(port: server.port) }, "new connections are refused while draining")
        #expect(server.process.isRunning, "the server waits for the requests it accepted")

        try await blocker.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        try blocker.close()
        await load.value
        #expect(server.stop() == 0)
        #expect(submitters.acknowledged.count == 8, "every accepted request got its reply")

        let pool = try FirstComeDatabase.openForReading(path: database.path)
        let users = try await pool.read { db in try String.fetchAll(db, sql: "SELECT user FROM entries ORDER BY seq") }
        #expect(Set(users) == Set(submitters.acknowledged.keys))
        try pool.close()
    }

    @Test("SIGTERM ends open live-update streams at once, not at their next heartbeat")
    func sigtermEndsStreams() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path)
        let base = server.baseURL
        let api = DemoAPI(base: base, adminToken: testAdminToken)
        try await api.createEvent(id: "held", prizes: 1)
        _ = try await api.call(.PATCH, "/v1/events/held", body: #"{"paused":true}"#, expect: 200)
        var tokens: [String] = []
        for index in 0..<5 {
            let reply = try await api.call(.POST, "/v1/events/held/entries", body: #"{"user":"s\#(index)"}"#, expect: 201)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: reply)) as? [String: Any]
            tokens.append(try #require(json?["token"] as? String))
        }
        let signals = tokens.map { _ in AsyncStream<Void>.makeStream() }
        let streams = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (token, signal) in zip(tokens, signals) {
                    group.addTask {
                        try await LiveUpdateTests.read("\(base)/v1/entries/\(token)/events", timeout: .seconds(50), opened: signal.continuation).events.count
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        for signal in signals { for await _ in signal.stream {} }
        // The heartbeat is 15 s: streams that waited for it would hold the exit that long.
        let stopping = ContinuousClock.now
        #expect(server.stop() == 0)
        #expect(ContinuousClock.now - stopping < .seconds(10), "the streams held the exit")
        #expect(try await streams.value == 5, "each stream got its entry before it ended")
    }

    @Test("a second server on the same database is refused")
    func secondServerRefused() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path)
        let second = try Binary.run(["serve", "--port", "0", "--db", database.path, "--admin-token", testAdminToken])
        #expect(second.status == 1)
        #expect(second.err.contains("in use by a running firstcome server"))
        #expect(server.stop() == 0)
    }
}
