import Foundation
import GRDB
import Testing

@testable import FirstCome

/// The promise: an acknowledged entry is never lost and there are never more
/// than N winners, whatever happens to the process.
@Suite("Crash harness: kill -9 under load, restart, continue", .serialized)
struct CrashHarnessTests {
    static var cycles: Int { Int(ProcessInfo.processInfo.environment["FIRSTCOME_CRASH_CYCLES"] ?? "") ?? 10 }

    @Test("every acknowledged entry survives SIGKILL with its seq and token; winners are exactly the first N")
    func killNine() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let prizes: Int64 = 500
        let submitters = Submitters()
        var killedWithInFlight = 0

        for cycle in 1...Self.cycles {
            let server = try ServerProcess(database: database.path)
            if cycle == 1 { try await DemoAPI(base: server.baseURL, adminToken: testAdminToken).createEvent(id: "crash", prizes: prizes) }
            let before = submitters.acknowledged.count
            let load = Task { await submitters.run(baseURL: server.baseURL, event: "crash", workers: 32, prefix: "c\(cycle)") }
            // Kill at a random moment once the load is flowing: after a random number of acknowledgements.
            let target = before + Int.random(in: 1...600)
            _ = try await eventually(timeout: .seconds(15)) { submitters.acknowledged.count >= target }
            #expect(server.stop(signal: SIGKILL) == SIGKILL)
            await load.value
            if submitters.acknowledged.count > before { killedWithInFlight += 1 }
            try await verify(database: database.path, acknowledged: submitters.acknowledged, prizes: prizes, drained: false)
        }

        // One last start: let the scheduler drain everything, then stop cleanly.
        let server = try ServerProcess(database: database.path)
        let api = DemoAPI(base: server.baseURL, adminToken: testAdminToken)
        #expect(try await eventually(timeout: .seconds(30)) { try await api.event("crash").waiting == 0 })
        #expect(server.stop(signal: SIGTERM) == 0)
        let figures = try await verify(database: database.path, acknowledged: submitters.acknowledged, prizes: prizes, drained: true)
        print("crash harness: cycles=\(Self.cycles) acknowledged=\(submitters.acknowledged.count) stored=\(figures.stored) lost=\(figures.lost) winners=\(figures.winners)")
        #expect(figures.lost == 0)
        #expect(killedWithInFlight == Self.cycles, "every cycle acknowledged entries before the kill")
    }

    struct Figures {
        var stored = 0
        var lost = 0
        var winners = 0
    }

    /// Opens the database as a restarted server would and checks the invariants.
    @discardableResult
    func verify(database path: String, acknowledged: [String: Submitters.Ack], prizes: Int64, drained: Bool) async throws -> Figures {
        let pool = try FirstComeDatabase.open(path: path)
        defer { try? pool.close() }
        let store = try SQLiteEntryStore(pool: pool)
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT event_key, user, seq, status FROM entries ORDER BY seq")
        }
        var stored: [String: Submitters.Ack] = [:]
        for row in rows {
            stored[row["user"]] = Submitters.Ack(seq: row["seq"], token: store.live.token(eventKey: row["event_key"], seq: row["seq"]))
        }
        var figures = Figures(stored: rows.count)
        for (user, ack) in acknowledged where stored[user] != ack {
            figures.lost += 1
            Issue.record("acknowledged entry of \(user) \(ack) is \(String(describing: stored[user])) after restart")
        }
        #expect(stored.count == rows.count, "no user has two entries")
        #expect(rows.map { $0["seq"] as Int64 } == Array(1...Int64(max(rows.count, 1))).prefix(rows.count).map { $0 }, "seqs are 1..max without gap")
        let event = try await store.event(id: "crash")
        #expect(event.entries == Int64(rows.count))
        let winners = rows.filter { ($0["status"] as String) == "won" }.map { $0["seq"] as Int64 }
        figures.winners = winners.count
        #expect(Int64(winners.count) <= prizes && Int64(winners.count) == event.awarded)
        #expect(winners == Array(1...Int64(max(winners.count, 1))).prefix(winners.count).map { $0 }, "winners are a prefix of the seqs")
        if drained {
            #expect(event.waiting == 0)
            #expect(Int64(winners.count) == min(prizes, Int64(rows.count)))
        }
        return figures
    }
}
