import Synchronization
import Testing

@testable import FirstCome

@Suite("The demo's server figures")
struct DemoServerFiguresTests {
    static let text = """
        # HELP firstcome_commit_seconds Duration of one group-commit transaction.
        # TYPE firstcome_commit_seconds histogram
        firstcome_commit_seconds_bucket{le="0.001"} 10
        firstcome_commit_seconds_sum 0.5
        firstcome_commit_seconds_count 40
        firstcome_commit_batch_size_entries_sum 1000
        firstcome_http_request_duration_seconds_bucket{route="/v1/entries/{token}",method="GET",le="0.001"} 900
        firstcome_http_request_duration_seconds_bucket{route="/v1/events/{id}/entries",method="POST",le="0.001"} 100
        firstcome_http_request_duration_seconds_bucket{route="/v1/events/{id}/entries",method="POST",le="0.005"} 600
        firstcome_http_request_duration_seconds_bucket{route="/v1/events/{id}/entries",method="POST",le="0.025"} 995
        firstcome_http_request_duration_seconds_bucket{route="/v1/events/{id}/entries",method="POST",le="+Inf"} 1000
        """

    @Test("commits, the writer's time and the submit latency bounds come from the metrics text; polls are left out")
    func parses() {
        let figures = DemoServerFigures(metrics: Self.text)
        #expect(figures.commits == 40 && figures.committed == 1000 && figures.writerSeconds == 0.5)
        #expect(figures.submitLatencyBound(0.5) == 0.005)
        #expect(figures.submitLatencyBound(0.99) == 0.025)
        #expect(figures.submitLatencyBound(1) == .infinity)
        #expect(figures.writerBusy(over: 2) == 0.25 && !figures.writerLimited(over: 2))
        #expect(figures.writerLimited(over: 0.55), "busy 91% of a 0.55 s burst")
    }

    @Test("broken, truncated and foreign lines are left out, and nothing at all gives no bounds", arguments: [
        "", "garbage", "firstcome_commit_seconds_count", "firstcome_commit_seconds_count x",
        "firstcome_http_request_duration_seconds_bucket{route=\"/v1/events/{id}/entries\",method=\"POST\",le=\"0.005 7",
        "firstcome_http_request_duration_seconds_bucket{route=\"/v1/events/{id}/entries\",method=\"POST\"} 7",
        "other_commit_seconds_count 5\n\u{0}\u{202E} 1",
    ])
    func hostile(_ text: String) {
        let figures = DemoServerFigures(metrics: text)
        #expect(figures.commits == 0 && figures.submitBuckets.isEmpty && figures.submitLatencyBound(0.99) == nil)
        #expect(figures.writerBusy(over: 0) == 0)
    }

    @Test("a demo run prints the server's own figures and names what limited it")
    func demoSummary() async throws {
        let lines = Mutex<[String]>([])
        var options = DemoRunner.Options()
        options.entrants = 400
        options.prizes = 10
        options.concurrency = 16
        let summary = try await DemoRunner(options: options) { line in lines.withLock { $0.append(line) } }.run()
        #expect(summary.passed)
        let server = try #require(summary.server)
        #expect(server.committed == 400 && server.commits >= 1 && server.writerSeconds > 0)
        let printed = lines.withLock { $0 }
        #expect(printed.contains { $0.hasPrefix("server:     400 submissions in ") }, "\(printed)")
        #expect(printed.contains { $0.hasPrefix("limit:      ") }, "\(printed)")
    }
}
