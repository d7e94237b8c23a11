import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// The built-in demo giveaway: an in-process server on a free port with a
/// temporary database, a burst of distinct entrants over real HTTP, the draw, and
/// a checked summary.
public struct DemoRunner: Sendable {
    public struct Options: Sendable {
        public var entrants = 10_000
        public var prizes: Int64 = 100
        public var concurrency = 256
        public var tickInterval: Duration = .milliseconds(250)
        public var durability: Durability = .full
        public init() {}
    }

    /// The figures and checks of one run.
    public struct Summary: Sendable {
        public var accepted = 0
        public var failed = 0
        public var winners: [Int64] = []
        public var losers: Int64 = 0
        public var seconds = 0.0
        public var latency = LatencySummary([])
        public var drawSeconds = 0.0
        /// Winners are exactly seq 1...prizes (or 1...entrants if fewer entered).
        public var winnersAreFirstSeqs = false
        public var seqsAreGapless = false
        public var pollsAgree = false
        /// What the server measured of the burst, if it serves its metrics.
        public var server: DemoServerFigures?
        public var passed: Bool { failed == 0 && winnersAreFirstSeqs && seqsAreGapless && pollsAgree }
    }

    let options: Options
    let print: @Sendable (String) -> Void

    public init(options: Options = Options(), print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) {
        self.options = options
        self.print = print
    }

    public func run() async throws -> Summary {
        let directory = FileManager.default.temporaryDirectory.appending(path: "firstcome-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let databasePath = directory.appending(path: "demo.sqlite").path(percentEncoded: false)
        let pool = try FirstComeDatabase.open(path: databasePath, durability: options.durability)

        var logger = Logger(label: "firstcome.demo")
        logger.logLevel = .warning
        let adminToken = Base64URL.random(byteCount: 32)
        let settings = AppSettings(host: "127.0.0.1", port: 0, adminToken: adminToken, tickInterval: options.tickInterval)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(settings: settings, store: try SQLiteEntryStore(pool: pool), logger: logger) { port, _ in
            portContinuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { portContinuation.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.waitForAll()
                throw DemoFailure(message: "the demo server did not start")
            }
            let base = "http://127.0.0.1:\(port)"
            print("firstcome demo: \(options.entrants) entrants, \(options.prizes) prizes, \(options.concurrency) connections, durability \(options.durability.rawValue)")
            print("server on \(base), database \(databasePath)")
            let summary: Summary
            do {
                summary = try await drive(base: base, adminToken: adminToken)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return summary
        }
    }

    /// Runs the giveaway against a server that is already running (e.g. several
    /// nodes behind a load balancer), with its admin token.
    public func run(against base: String, adminToken: String) async throws -> Summary {
        print("firstcome demo: \(options.entrants) entrants, \(options.prizes) prizes, \(options.concurrency) connections")
        print("server at \(base)")
        return try await drive(base: base, adminToken: adminToken)
    }

    private func drive(base: String, adminToken: String) async throws -> Summary {
        let api = DemoAPI(base: base, adminToken: adminToken)
        try await api.createEvent(id: "demo", prizes: options.prizes)

        var summary = Summary()
        let total = options.entrants
        let step = max(1, total / 10)
        let print = self.print
        let start = ContinuousClock.now
        let replies = try await LoadGenerator(baseURL: base, concurrency: options.concurrency)
            .submit(event: "demo", count: total) { done in
                if done % step == 0 { print("  submitted \(done)/\(total)") }
            }
        summary.seconds = (ContinuousClock.now - start).milliseconds / 1000
        let accepted = replies.filter { $0.status == 201 }
        summary.accepted = accepted.count
        summary.failed = replies.count - accepted.count
        summary.latency = LatencySummary(accepted.map(\.latency))
        if let text = try? await api.call(.GET, "/metrics", expect: 200) {
            summary.server = DemoServerFigures(metrics: String(buffer: text))
        }
        let seqs = accepted.compactMap(\.seq).sorted()
        summary.seqsAreGapless = seqs.count == total && seqs.enumerated().allSatisfy { Int64($0.offset + 1) == $0.element }

        let drawStart = ContinuousClock.now
        var event = try await api.event("demo")
        while event.waiting > 0 {
            try await Task.sleep(for: .milliseconds(50))
            event = try await api.event("demo")
        }
        summary.drawSeconds = (ContinuousClock.now - drawStart).milliseconds / 1000
        summary.winners = try await api.winnerSeqs("demo")
        summary.losers = event.entries - Int64(summary.winners.count)
        let expected = min(options.prizes, Int64(total))
        summary.winnersAreFirstSeqs = summary.winners == Array((1...max(expected, 1)).prefix(Int(expected)))

        let bySeq = Dictionary(accepted.compactMap { reply in reply.seq.map { ($0, reply) } }, uniquingKeysWith: { first, _ in first })
        var pollsAgree = true
        for (seq, wanted) in [(Int64(1), "won"), (Int64(total), Int64(total) > expected ? "lost" : "won")] {
            guard let token = bySeq[seq]?.token else { pollsAgree = false; continue }
            let status = try await api.pollStatus(token: token)
            if status != wanted { pollsAgree = false }
        }
        summary.pollsAgree = pollsAgree
        report(summary)
        return summary
    }

    /// The server's own figures beside the load generator's, and which of the two limited the burst.
    private func serverLines(_ summary: Summary) -> [String] {
        guard let server = summary.server, server.commits > 0 else { return ["server:     no figures (the server does not serve GET /metrics here)"] }
        func bound(_ seconds: Double?) -> String {
            guard let seconds else { return "?" }
            return seconds.isFinite ? String(format: "%g ms", seconds * 1000) : "over 5 s"
        }
        let busy = server.writerBusy(over: summary.seconds)
        var lines = [
            String(
                format: "server:     %.0f submissions in %.0f commits (%.1f each); the writer busy %.2f s of the %.2f s burst (%.0f%%)",
                server.committed, server.commits, server.committed / server.commits, server.writerSeconds, summary.seconds, busy * 100),
            "            submissions answered within \(bound(server.submitLatencyBound(0.5))) (half) and \(bound(server.submitLatencyBound(0.99))) (99%) by the server's clock",
        ]
        if server.writerLimited(over: summary.seconds) {
            lines.append(String(format: "limit:      the server's writer (busy %.0f%% of the burst)", busy * 100))
        } else {
            lines.append(
                String(
                    format: "limit:      the load generator, which shares the machine's cores with the server: the writer idle %.0f%% of the burst, the generator's p99 %.1f ms",
                    (1 - busy) * 100, summary.latency.p99.milliseconds))
        }
        return lines
    }

    private func report(_ summary: Summary) {
        let rate = summary.seconds > 0 ? Double(summary.accepted) / summary.seconds : 0
        print("accepted:   \(summary.accepted) of \(options.entrants) (failed: \(summary.failed))")
        print(String(format: "throughput: %.0f entries/s (%.2f s for the burst)", rate, summary.seconds))
        print(String(format: "latency:    p50 %.1f ms, p99 %.1f ms, max %.1f ms", summary.latency.p50.milliseconds, summary.latency.p99.milliseconds, summary.latency.max.milliseconds))
        for line in serverLines(summary) { print(line) }
        print(String(format: "draw:       every entry decided %.2f s after the burst", summary.drawSeconds))
        let range = summary.winners.isEmpty ? "none" : "seq \(summary.winners.first!)..\(summary.winners.last!)"
        print("winners:    \(summary.winners.count) (\(range)) — first seqs only: \(summary.winnersAreFirstSeqs ? "yes" : "NO")")
        print("losers:     \(summary.losers)")
        print("seqs:       gapless 1..\(summary.accepted): \(summary.seqsAreGapless ? "yes" : "NO"); polls agree: \(summary.pollsAgree ? "yes" : "NO")")
        print(summary.passed ? "result:     PASS" : "result:     FAIL")
    }
}
