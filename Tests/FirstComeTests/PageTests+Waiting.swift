import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// What a waiting entrant reads: prizes and people ahead, whether the prizes will
/// likely last, when the result comes, and a pause.
extension PageTests {
    /// The entry pages of `users` entering `event` through the form, in order.
    func enter(_ client: any TestClientProtocol, _ event: String, _ users: [String]) async throws -> [String] {
        var locations: [String] = []
        for user in users {
            locations.append(try #require(try await post(client, "/e/\(event)?lang=en", "user=\(user)").response.headers[.location]))
        }
        return locations
    }

    @Test("a waiting entrant sees prizes left and people ahead plainly, and is told when the prizes will likely be gone first")
    func outlook() async throws {
        try await withLiveApp(tick: .seconds(3600)) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"few","name":"Few","prizes":2,"admit_per_tick":1}"#, admin: true)
            let pages = try await enter(client, "few", ["a", "b", "c", "d", "e"])
            let second = try await page(client, pages[1]).html
            #expect(second.contains("2 prizes left; 1 person ahead of you"), "a plural for one person")
            #expect(second.contains(#"<p class="outlook" id="outlook" hidden>"#), "enough prizes for everyone ahead and this entrant")
            let fifth = try await page(client, pages[4]).html
            #expect(fifth.contains("2 prizes left; 4 people ahead of you"))
            #expect(fifth.contains(#"<p class="outlook" id="outlook">The people ahead of you are enough to take every prize left, so the prizes will probably be gone before your turn."#))
            #expect(fifth.contains("Your result will come when the last prize goes."))
            #expect(fifth.contains("Result expected: time not known yet") && !fifth.contains("Estimated wait"))
            // Its result comes when the prizes are given: the bar shows those, like the header.
            #expect(fifth.contains(#"<progress id="progress" max="2" value="0">"#) && fifth.contains("Prizes given so far"))
            let korean = try await page(client, pages[4].replacingOccurrences(of: "lang=en", with: "lang=ko")).html
            #expect(korean.contains("남은 경품 2개, 내 앞에 4명") && korean.contains("마지막 경품이 나갈 때"))
        }
        // As many ahead as prizes left is enough; with nobody ahead the entrant is not told of people ahead.
        #expect(EntryOutlook(place: 3, position: 2, serving: 0, remaining: 2, prizes: 2).prizesGoneFirst)
        #expect(!EntryOutlook(place: 3, position: 1, serving: 1, remaining: 2, prizes: 3).prizesGoneFirst)
        #expect(!EntryOutlook(place: 5, position: 0, serving: 4, remaining: 0, prizes: 4).prizesGoneFirst)
    }

    @Test("the estimate is to the decision: an entrant behind the last prize hears when it goes, not when their turn would come")
    func estimateToDecision() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let clock = TestClock()
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "w", name: "W", prizes: 45, admitPerTick: 10), now: clock.now)
            let results = try await store.submit((1...100).map { Submission(event: "w", user: "u\($0)", payload: nil) }, now: clock.now)
            let tokens = results.compactMap { result -> String? in if case .created(let view) = result { view.token } else { nil } }
            let scheduler = AwardScheduler(store: store, clock: { clock.now })
            try await scheduler.tick()
            for _ in 0..<3 {
                clock.advance(1000)
                try await scheduler.tick()
            }
            // 40 won at 10 per second, 5 prizes left: seq 60 (19 ahead) is decided with the 5th, in 0.5 s.
            let behind = try await store.entry(token: tokens[59])
            #expect(behind.position == 19 && behind.estimatedWait == 1)
            let within = try await store.entry(token: tokens[42])
            #expect(within.position == 2 && within.estimatedWait == 1, "3 entries away at 10 per second")
        }
    }

    @Test("a pause is shown to entrants; the header's count and the bar come from the same reading")
    func paused() async throws {
        try await withLiveApp(tick: .milliseconds(50)) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"hold","name":"Hold","prizes":3,"admit_per_tick":1}"#, admin: true)
            let first = try await enter(client, "hold", ["a"])
            #expect(try await eventually { try await page(client, first[0]).html.contains("You won!") })
            try await client.json(.patch, "/v1/events/hold", body: #"{"paused":true}"#, admin: true)
            let pages = try await enter(client, "hold", ["b", "c", "d", "e", "f"])
            let last = try await page(client, pages[4]).html
            #expect(last.contains("The line is paused; your place is kept."))
            #expect(last.contains(#"id="remaining""#) && last.contains(">2 left</span>"))
            #expect(last.contains("2 prizes left; 4 people ahead of you") && last.contains(#"<progress id="progress" max="3" value="1">"#))
            let korean = try await page(client, pages[0].replacingOccurrences(of: "lang=en", with: "lang=ko")).html
            #expect(korean.contains("줄이 잠시 멈췄습니다. 내 순서는 그대로 유지됩니다."))
            let form = try await page(client, "/e/hold?lang=en").html
            #expect(form.contains("The line is paused"), "the form says so too")
            let poll = try await client.json(.get, "/v1/entries/" + Self.token(pages[4]))
            #expect(poll.json["paused"] as? Bool == true && poll.json["remaining"] as? Int == 2)
            try await client.json(.patch, "/v1/events/hold", body: #"{"paused":false}"#, admin: true)
            #expect(try await eventually { !(try await page(client, pages[0]).html.contains("The line is paused")) })
        }
    }

    /// The entry token in an entry page's address.
    static func token(_ location: String) -> String {
        String(location.split(separator: "t=")[1].split(separator: "&")[0])
    }
}
