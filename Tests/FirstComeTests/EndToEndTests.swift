import Foundation
import HummingbirdTesting
import Testing

@testable import FirstCome

@Suite("End to end: a 10,000-entrant giveaway over HTTP")
struct EndToEndTests {
    @Test("10,000 distinct entrants; winners are exactly seq 1..100; the audit shows 10,000 gapless seqs")
    func tenThousand() async throws {
        try await withLiveApp(tick: .milliseconds(100)) { client, _ in
            let port = try #require(client.port)
            let created = try await client.json(.post, "/v1/events", body: #"{"id":"big","name":"Big","prizes":100}"#, admin: true)
            #expect(created.status == .created)

            let replies = try await LoadGenerator(baseURL: "http://127.0.0.1:\(port)", concurrency: 128)
                .submit(event: "big", count: 10_000)
            #expect(replies.count == 10_000)
            #expect(replies.allSatisfy { $0.status == 201 })
            #expect(replies.compactMap(\.seq).sorted() == Array(1...10_000))

            #expect(try await eventually(timeout: .seconds(30)) {
                (try await client.json(.get, "/v1/events/big")).json["waiting"] as? Int == 0
            })
            let event = try await client.json(.get, "/v1/events/big")
            #expect(event.json["state"] as? String == "sold_out" && event.json["awarded"] as? Int == 100)

            let winners = try await client.json(.get, "/v1/events/big/winners", admin: true)
            let list = winners.json["winners"] as? [[String: Any]] ?? []
            #expect(list.compactMap { $0["seq"] as? Int } == Array(1...100))
            let bySeq = Dictionary(uniqueKeysWithValues: replies.map { ($0.seq ?? 0, $0.user) })
            #expect(list.allSatisfy { bySeq[Int64($0["seq"] as? Int ?? 0)] == $0["user"] as? String })

            var seqs: [Int] = []
            var statuses: [String: Int] = [:]
            var after = 0
            while true {
                let page = try await client.json(.get, "/v1/events/big/entries?after=\(after)&limit=1000", admin: true)
                let entries = page.json["entries"] as? [[String: Any]] ?? []
                seqs += entries.compactMap { $0["seq"] as? Int }
                for entry in entries { statuses[entry["status"] as? String ?? "?", default: 0] += 1 }
                guard let next = page.json["next_after"] as? Int else { break }
                after = next
            }
            #expect(seqs == Array(1...10_000))
            #expect(statuses == ["won": 100, "lost": 9_900])
        }
    }
}
