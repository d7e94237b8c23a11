import Foundation
import HummingbirdTesting
import Testing

@testable import FirstCome

@Suite("Prometheus metrics")
struct MetricsTests {
    @Test("GET /metrics reports requests, submissions, per-event gauges, ticks and commits")
    func metrics() async throws {
        try await withLiveApp(tick: .milliseconds(20)) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"m","name":"M","prizes":1}"#, admin: true)
            for user in ["a", "b", "a"] {
                try await client.json(.post, "/v1/events/m/entries", body: #"{"user":"\#(user)"}"#)
            }
            try await client.json(.post, "/v1/events/m/entries", body: #"{"user":""}"#)
            #expect(try await eventually { (try await client.json(.get, "/v1/events/m")).json["waiting"] as? Int == 0 })

            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            let lines = Set(text.split(separator: "\n").map(String.init))
            func value(_ prefix: String) -> Double? {
                lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            #expect(value(#"firstcome_http_requests_total{route="/v1/events/{id}/entries",method="POST",status="201"}"#) == 2, "\(text)")
            #expect(value(#"firstcome_http_requests_total{route="/v1/events/{id}/entries",method="POST",status="200"}"#) == 1)
            #expect(value(#"firstcome_http_requests_total{route="/v1/events/{id}/entries",method="POST",status="400"}"#) == 1)
            #expect(value(#"firstcome_submissions_total{event="m",result="created"}"#) == 2)
            #expect(value(#"firstcome_submissions_total{event="m",result="existing"}"#) == 1)
            #expect(value(#"firstcome_waiting_entries{event="m"}"#) == 0)
            #expect(value(#"firstcome_awarded_prizes{event="m"}"#) == 1)
            #expect(value(#"firstcome_recorded_entries{event="m"}"#) == 2)
            #expect((value("firstcome_scheduler_tick_seconds_count") ?? 0) >= 1)
            #expect((value("firstcome_commit_seconds_count") ?? 0) >= 1)
            #expect((value("firstcome_commit_batch_size_entries_count") ?? 0) >= 1)
            #expect(value("firstcome_commit_pending_submissions") == 0, "every submission was answered")
            #expect(text.contains("firstcome_http_request_duration_seconds_bucket"))
            #expect(value(#"firstcome_expired_entries_total{event="m"}"#) == 0, "every per-event series is there from the start")

            // Prometheus's own linter (Debian's prometheus package) accepts the exposition.
            let file = FileManager.default.temporaryDirectory.appending(path: "metrics-\(UUID().uuidString).txt").path(percentEncoded: false)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let lint = try Binary.runProcess("/bin/sh", ["-c", "promtool check metrics < '\(file)'"])
            #expect(lint.status == 0 && lint.out.isEmpty && lint.err.isEmpty, "promtool: \(lint.out)\(lint.err)")
        }
    }
}
