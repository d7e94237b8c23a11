import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

@testable import FirstCome

/// Three `firstcome serve` nodes on one PostgreSQL database, each killed with
/// SIGKILL once while the scheduler decides: nothing acknowledged is lost, the
/// seqs stay gapless and the winners are exactly the first N.
@Suite("PostgreSQL cluster: 3 nodes, kill -9 each", .serialized)
struct ClusterKillTests {
    static let entrants = 10_000
    static let duplicates = 1_000
    static let prizes: Int64 = 100

    /// The nodes' current addresses (a restarted node gets a new port).
    final class Nodes: Sendable {
        private let servers: Mutex<[ServerProcess]>
        let url: String

        init(url: String, count: Int) throws {
            self.url = url
            servers = Mutex(try (0..<count).map { _ in try ServerProcess(database: url) })
        }

        func base(_ index: Int) -> String { servers.withLock { $0[index % $0.count].baseURL } }
        var count: Int { servers.withLock { $0.count } }

        func restart(_ index: Int) throws -> Int32 {
            let old = servers.withLock { $0[index] }
            let status = old.stop(signal: SIGKILL)
            let fresh = try ServerProcess(database: url)
            servers.withLock { $0[index] = fresh }
            return status
        }

        func stopAll() -> [Int32] { servers.withLock { $0.map { $0.stop(signal: SIGTERM) } } }
    }

    /// Every acknowledged reply, by user.
    final class AckLog: Sendable {
        private let replies = Mutex<[String: [Submitters.Ack]]>([:])
        func add(_ user: String, _ ack: Submitters.Ack) { replies.withLock { $0[user, default: []].append(ack) } }
        var all: [String: [Submitters.Ack]] { replies.withLock { $0 } }
        var count: Int { replies.withLock { $0.count } }
    }

    /// Submits `user` through node `node`, moving to the next node while one is
    /// down (as a load balancer would); returns the acknowledged seq and token.
    static func submit(_ client: HTTPClient, _ nodes: Nodes, user: String, node: Int) async -> Submitters.Ack? {
        for attempt in 0..<200 {
            let base = nodes.base(node + attempt)
            if let reply = try? await LoadGenerator.post(client: client, url: "\(base)/v1/events/drop/entries", user: user),
                (200..<300).contains(reply.status), let seq = reply.seq, let token = reply.token
            {
                return Submitters.Ack(seq: seq, token: token)
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }

    @Test("10,000 entrants and 1,000 racing duplicates over 3 nodes; each node killed once; audit verify passes")
    func killEachNode() async throws {
        try await TemporaryPostgres.with { database in
            let nodes = try Nodes(url: database.url, count: 3)
            let admin = DemoAPI(base: nodes.base(0), adminToken: testAdminToken)
            try await admin.createEvent(id: "drop", prizes: Self.prizes)
            // Slow admissions so the scheduler is still deciding when the nodes die.
            _ = try TemporaryPostgres.psql(database.url, "UPDATE events SET admit_per_tick = 2 WHERE id = 'drop'")

            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
            configuration.timeout = .init(connect: .seconds(1), read: .seconds(20))
            let acks = AckLog()
            try await withHTTPClient(configuration) { client in
                let load = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for worker in 0..<48 {
                            group.addTask {
                                var index = worker
                                while index < Self.entrants + Self.duplicates {
                                    // Duplicates: the first 1,000 users again, each on another node.
                                    let user = index < Self.entrants ? "u\(index)" : "u\(index - Self.entrants)"
                                    if let ack = await Self.submit(client, nodes, user: user, node: index + (index < Self.entrants ? 0 : 1)) {
                                        acks.add(user, ack)
                                    }
                                    index += 48
                                }
                            }
                        }
                    }
                }
                // Kill each node once while entries arrive and the scheduler decides: after
                // each further fifth of the entrants has been acknowledged.
                for index in 0..<3 {
                    let progress = (index + 1) * Self.entrants / 5
                    let reached = try await eventually(timeout: .seconds(60)) { acks.count >= progress }
                    #expect(reached, "entries kept being acknowledged")
                    #expect(try nodes.restart(index) == SIGKILL)
                }
                await load.value
            }

            let acknowledged = acks.all
            #expect(acknowledged.count == Self.entrants, "every entrant was acknowledged")
            for (user, replies) in acknowledged where Set(replies.map(\.seq)).count != 1 || Set(replies.map(\.token)).count != 1 {
                Issue.record("\(user) got different answers: \(replies)")
            }
            let api = DemoAPI(base: nodes.base(1), adminToken: testAdminToken)
            #expect(try await eventually(timeout: .seconds(60)) { try await api.event("drop").waiting == 0 })
            #expect(try await api.winnerSeqs("drop") == Array(1...Self.prizes))

            // What the database holds: every acknowledged entry with its seq, seqs 1...N.
            let stored = try TemporaryPostgres.psql(database.url, #"SELECT seq || ',' || "user" FROM entries ORDER BY seq"#)
                .split(separator: "\n").map { line -> (Int64, String) in
                    let parts = line.split(separator: ",", maxSplits: 1)
                    return (Int64(parts[0]) ?? 0, String(parts[1]))
                }
            #expect(stored.map(\.0) == Array(1...Int64(Self.entrants)))
            let seqOf = Dictionary(uniqueKeysWithValues: stored.map { ($0.1, $0.0) })
            for (user, replies) in acknowledged where seqOf[user] != replies.first?.seq {
                Issue.record("acknowledged \(user) seq \(String(describing: replies.first?.seq)) is stored as \(String(describing: seqOf[user]))")
            }
            // Every node answers every poll alike.
            for (user, replies) in acknowledged.prefix(300) {
                var answers: Set<String> = []
                for node in 0..<3 { answers.insert(try await DemoAPI(base: nodes.base(node), adminToken: testAdminToken).pollStatus(token: replies[0].token)) }
                #expect(answers.count == 1, "\(user): \(answers)")
                #expect(answers.first == ((seqOf[user] ?? 0) <= Self.prizes ? "won" : "lost"))
            }
            #expect(nodes.stopAll() == [0, 0, 0])
            let verify = try Binary.run(["audit", "verify", "--db", database.url, "--event", "drop"])
            #expect(verify.status == 0 && verify.out.contains("10000 entries") && verify.out.contains("winners: 100"), "\(verify.out)\(verify.err)")
        }
    }
}
