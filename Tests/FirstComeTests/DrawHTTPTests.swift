import Foundation
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Shuffle and lottery over HTTP on the live app (both backends: scripts/test runs it again on PostgreSQL).
@Suite("Draws over HTTP")
struct DrawHTTPTests {
    func time(_ offset: Int64) -> String { Timestamp.format(Timestamp.now() + offset) }

    @Test("a shuffle end to end: pre-queue replies without a place, a stream wakes with the place, the draw verifies")
    func shuffle() async throws {
        try await withLiveApp(tick: .milliseconds(100)) { client, app in
            let port = try #require(client.port)
            let created = try await client.json(
                .post, "/v1/events",
                body: #"{"id":"fair","name":"Fair","prizes":4,"order":"shuffle","prequeue_at":"\#(time(-1000))","opens_at":"\#(time(600_000))"}"#,
                admin: true)
            #expect(created.status == .created && created.json["state"] as? String == "prequeue")
            #expect((created.json["seed_commitment"] as? String)?.count == 64 && created.json["drawn_at"] is NSNull)
            var tokens: [String] = []
            for index in 0..<12 {
                let reply = try await client.json(.post, "/v1/events/fair/entries", body: #"{"user":"p\#(index)"}"#)
                #expect(reply.status == .created && reply.json["place"] is NSNull && reply.json["position"] is NSNull)
                tokens.append(try #require(reply.json["token"] as? String))
            }
            let pending = try await client.json(.get, "/v1/events/fair/draw")
            #expect(pending.status == .conflict && errorCode(pending.json) == "draw_pending")
            // A stream opened before the draw: its next event carries the place. The
            // pre-queue lasts until the admin moves the opening to now (allowed before the draw).
            let (streamOpened, signal) = AsyncStream<Void>.makeStream()
            let reading = Task { () -> (firstUnplaced: Bool, placed: Bool, events: String) in
                let events = try await LiveUpdateTests.read(
                    "http://127.0.0.1:\(port)/v1/entries/\(tokens[11])/events", timeout: .seconds(30), opened: signal).events
                return (events.first?["place"] is NSNull, events.contains { $0["place"] is Int }, "\(events)")
            }
            for await _ in streamOpened {}
            let opened = try await client.json(.patch, "/v1/events/fair", body: #"{"opens_at":"\#(time(0))"}"#, admin: true)
            #expect(opened.status == .ok)
            let stream = try await reading.value
            #expect(stream.firstUnplaced)
            #expect(stream.placed, "\(stream.events)")
            let draw = try await client.json(.get, "/v1/events/fair/draw")
            #expect(draw.status == .ok && draw.json["drawn"] as? Int == 12 && draw.json["algorithm"] as? String == DrawAlgorithm.name)
            #expect(try await eventually { (try await client.json(.get, "/v1/events/fair")).json["waiting"] as? Int == 0 })
            var places: [Int] = []
            var won: [Int] = []
            for token in tokens {
                let entry = try await client.json(.get, "/v1/entries/\(token)").json
                let place = try #require(entry["place"] as? Int)
                places.append(place)
                if entry["status"] as? String == "won" { won.append(place) }
            }
            #expect(places.sorted() == Array(1...12) && won.sorted() == [1, 2, 3, 4])
            // The admin listings name places too.
            let winners = try await client.json(.get, "/v1/events/fair/winners", admin: true).json["winners"] as? [[String: Any]] ?? []
            #expect(winners.compactMap { $0["place"] as? Int }.sorted() == [1, 2, 3, 4])
            let listing = try await client.json(.get, "/v1/events/fair/entries?limit=100", admin: true).json["entries"] as? [[String: Any]] ?? []
            #expect(listing.compactMap { $0["place"] as? Int }.sorted() == Array(1...12))
            var verifier = AuditVerifier()
            try await AuditExport(store: app).write(eventID: "fair", includePayload: false) { try verifier.consume($0) }
            #expect(try verifier.finish().winners == 4)
        }
    }

    @Test("bad order settings, beacon posts and changes to a drawn order are 4xx JSON errors")
    func refusals() async throws {
        try await withLiveApp(tick: .milliseconds(100)) { client, _ in
            let bad: [(String, String)] = [
                (#"{"id":"a","name":"A","prizes":1,"order":"shuffle"}"#, "opens_at"),
                (#"{"id":"a","name":"A","prizes":1,"order":"lottery"}"#, "closes_at"),
                (#"{"id":"a","name":"A","prizes":1,"order":"random"}"#, "order"),
                (#"{"id":"a","name":"A","prizes":1,"prequeue_at":"\#(time(1000))","opens_at":"\#(time(5000))"}"#, "prequeue_at"),
                (#"{"id":"a","name":"A","prizes":1,"order":"shuffle","prequeue_at":"\#(time(9000))","opens_at":"\#(time(5000))"}"#, "prequeue_at"),
                (#"{"id":"a","name":"A","prizes":1,"beacon":"round 1"}"#, "beacon"),
                (#"{"id":"a","name":"A","prizes":1,"order":"lottery","closes_at":"\#(time(5000))","mode":"direct"}"#, "mode"),
                (#"{"id":"a","name":"A","prizes":1,"order":"lottery","closes_at":"\#(time(5000))","beacon":""}"#, "beacon"),
            ]
            for (body, field) in bad {
                let reply = try await client.json(.post, "/v1/events", body: body, admin: true)
                #expect(reply.status == .badRequest && errorCode(reply.json) == "invalid_request", "\(body)")
                let message = (reply.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains(field), "\(body): \(message)")
            }
            try await client.json(.post, "/v1/events", body: #"{"id":"fifo","name":"F","prizes":1}"#, admin: true)
            #expect(errorCode(try await client.json(.get, "/v1/events/fifo/draw").json) == "no_draw")
            #expect(errorCode(try await client.json(.post, "/v1/events/fifo/beacon", body: #"{"value":"v"}"#, admin: true).json) == "beacon_refused")
            #expect(try await client.json(.get, "/v1/events/none/draw").status == .notFound)
            let lottery = #"{"id":"l","name":"L","prizes":1,"order":"lottery","closes_at":"\#(time(600_000))","beacon":"round 7"}"#
            try await client.json(.post, "/v1/events", body: lottery, admin: true)
            let early = try await client.json(.post, "/v1/events/l/beacon", body: #"{"value":"v"}"#, admin: true)
            #expect(early.status == .conflict && errorCode(early.json) == "beacon_refused")
            #expect(try await client.json(.post, "/v1/events/l/beacon", body: #"{"value":""}"#, admin: true).status == .badRequest)
            #expect(try await client.json(.post, "/v1/events/l/beacon", body: #"{"valu":"x"}"#, admin: true).status == .badRequest)
            #expect(try await client.json(.post, "/v1/events/l/beacon", body: #"{"value":"x"}"#).status == .unauthorized)
            let order = try await client.json(.patch, "/v1/events/l", body: #"{"order":"fifo"}"#, admin: true)
            #expect(order.status == .badRequest && errorCode(order.json) == "invalid_request")
            try await client.json(.post, "/v1/events/l/entries", body: #"{"user":"u"}"#)
            // An admin close ends the lottery early: its cutoff, after which the beacon value is taken.
            #expect(try await client.json(.patch, "/v1/events/l", body: #"{"state":"closed"}"#, admin: true).status == .ok)
            #expect(try await eventually {
                try await client.json(.post, "/v1/events/l/beacon", body: #"{"value":"9a9b"}"#, admin: true).status == .ok
            })
            #expect(try await eventually { (try await client.json(.get, "/v1/events/l/draw")).status == .ok })
            let again = try await client.json(.post, "/v1/events/l/beacon", body: #"{"value":"other"}"#, admin: true)
            #expect(again.status == .conflict && errorCode(again.json) == "draw_made")
            let late = try await client.json(.patch, "/v1/events/l", body: #"{"prequeue_at":null}"#, admin: true)
            #expect(late.status == .conflict && errorCode(late.json) == "draw_made")
            #expect((try await client.json(.get, "/v1/events/l/draw")).json["beacon"] as? String == "9a9b")
        }
    }
}
