import Foundation
import HummingbirdTesting
import Testing

@testable import FirstCome

/// The event's course and report, computed from what the database keeps.
@Suite struct StatsTests {
    @Test(arguments: Backend.allCases)
    func timelineComesFromTheDatabase(_ backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            #expect(try await store.holdSchedulerLease(for: .seconds(60)))
            _ = try await store.createEvent(try NewEvent(id: "curve", name: "Curve", prizes: 2), now: 9_000)
            _ = try await store.submit((1...5).map { Submission(event: "curve", user: "a\($0)", payload: nil) }, now: 10_000)
            _ = try await store.submit((1...3).map { Submission(event: "curve", user: "b\($0)", payload: nil) }, now: 12_500)
            _ = try await store.award(event: "curve", limit: 100, now: 13_000)
            let timeline = try await store.timeline(event: "curve")
            #expect(timeline.arrivals == [.init(10, 5), .init(12, 3)])
            #expect(timeline.decided == [.init(13, 8)])
            #expect(timeline.won == [.init(13, 2)])
            #expect(timeline.expired == [])
            #expect(timeline.waits == [.init(500, 3), .init(3_000, 5)])
        }
    }

    @Test func seriesAndReport() throws {
        var timeline = EventTimeline()
        timeline.arrivals = [.init(100, 4), .init(101, 6), .init(107, 1)]
        timeline.decided = [.init(102, 8), .init(108, 3)]
        timeline.won = [.init(102, 3)]
        timeline.expired = [.init(102, 1)]
        timeline.waits = (1...100).map { .init(Int64($0) * 10, 1) }
        let series = try EventStats.series(timeline, prizes: 3, step: 5, until: nil)
        #expect(series.map(\.at) == [100_000, 105_000])
        #expect(series[0].arrivals == 10 && series[0].decided == 8 && series[0].won == 3 && series[0].expired == 1 && series[0].lost == 4)
        #expect(series[0].entries == 10 && series[0].waiting == 2 && series[0].prizesLeft == 0)
        #expect(series[1].arrivals == 1 && series[1].entries == 11 && series[1].waiting == 0)
        #expect(try EventStats.series(timeline, prizes: 3, step: 5, until: 120).count == 5)
        #expect(throws: FirstComeError.self) { try EventStats.series(timeline, prizes: 3, step: 1, until: 100 + EventStats.maxSteps) }
        #expect(try EventStats.series(EventTimeline(), prizes: 3, step: 5, until: 120).isEmpty)

        let report = EventStats.report(timeline, prizes: 3, opensAt: 99_500)
        #expect(report.entries == 11 && report.decided == 11 && report.won == 3 && report.expired == 1)
        #expect(report.soldOutAt == 102_000 && report.timeToSellOut == 2_500)
        #expect(report.peakPerSecond == 6 && report.peakSecondAt == 101_000)
        #expect(report.peakPerMinute == 11 && report.peakMinuteAt == 60_000)
        #expect(report.waitP50 == 500 && report.waitP90 == 900 && report.waitP99 == 990 && report.waitMax == 1_000)
        #expect(EventStats.report(timeline, prizes: 4, opensAt: nil).soldOutAt == nil)
    }

    @Test func statsAndReportOverHTTP() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"rep","name":"Report","prizes":2}"#, admin: true).status == .created)
            for user in 1...6 { try await client.json(.post, "/v1/events/rep/entries", body: #"{"user":"r\#(user)"}"#) }
            #expect(try await eventually { try await store.event(id: "rep").waiting == 0 })
            #expect(try await client.json(.patch, "/v1/events/rep", body: #"{"paused":true}"#, admin: true).status == .ok)
            #expect(try await client.json(.patch, "/v1/events/rep", body: #"{"state":"closed"}"#, admin: true).status == .ok)

            let stats = try await client.json(.get, "/v1/events/rep/stats?step=60", admin: true)
            #expect(stats.status == .ok && stats.json["step_s"] as? Int == 60)
            let series = stats.json["series"] as? [[String: Any]] ?? []
            #expect(series.reduce(0) { $0 + ($1["arrivals"] as? Int ?? 0) } == 6)
            #expect(series.last?["entries"] as? Int == 6 && series.last?["waiting"] as? Int == 0 && series.last?["prizes_left"] as? Int == 0)
            #expect(series.reduce(0) { $0 + ($1["won"] as? Int ?? 0) } == 2)

            let csv = try await client.execute(uri: "/v1/events/rep/stats?format=csv", method: .get, headers: [.authorization: "Bearer \(testAdminToken)"])
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = String(buffer: csv.body).split(separator: "\n")
            #expect(lines.first == "time,arrivals,decided,won,lost,expired,entries,waiting,prizes_left")
            #expect(lines.last?.hasSuffix(",6,0,0") == true)

            let report = try await client.json(.get, "/v1/events/rep/report", admin: true)
            let figures = report.json["figures"] as? [String: Any] ?? [:]
            #expect(figures["entries"] as? Int == 6 && figures["won"] as? Int == 2 && figures["lost"] as? Int == 4)
            #expect(figures["sold_out_at"] is String && figures["time_to_sell_out_ms"] is Int)
            #expect((figures["entry_to_decision_ms"] as? [String: Any])?["p99"] is Int)
            let actions = report.json["admin_actions"] as? [[String: Any]] ?? []
            #expect(actions.compactMap { ($0["action"] as? [String: Any])?.keys.first } == ["create", "patch", "patch"])
            #expect(((actions.last?["action"] as? [String: Any])?["patch"] as? [String: Any])?["state"] as? String == "closed")

            #expect(try await client.json(.get, "/v1/events/rep/stats?step=0", admin: true).status == .badRequest)
            #expect(try await client.json(.get, "/v1/events/rep/stats?format=xml", admin: true).status == .badRequest)
            #expect(try await client.json(.get, "/v1/events/rep/report").status == .unauthorized)
            #expect(try await client.json(.get, "/v1/events/none/report", admin: true).status == .notFound)
        }
    }
}
