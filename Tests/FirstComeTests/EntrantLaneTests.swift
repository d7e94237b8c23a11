import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Submissions and polls are served on the connection's event loop
/// (`EntrantLaneHandler`) until a connection asks for anything else; these tests
/// send the same requests both ways over raw sockets and compare the answers.
@Suite("Submissions and polls served on the event loop")
struct EntrantLaneTests {
    static func submit(_ event: String, _ body: String, close: Bool = false) -> String {
        "POST /v1/events/\(event)/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + (close ? "Connection: close\r\n" : "") + "\r\n" + body
    }

    static func poll(_ token: String) -> String {
        "GET /v1/entries/\(token) HTTP/1.1\r\nHost: x\r\n\r\n"
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    /// Sends each request on `socket` and reads its answer before the next.
    static func exchange(_ socket: Socket, _ requests: [String]) async -> [RawResponse] {
        var answers: [RawResponse] = []
        for request in requests {
            socket.send(request)
            answers += await socket.responses(1)
        }
        return answers
    }

    /// The same requests on a fresh connection (the lane) and on one that asked
    /// for `/healthz` first (the router), for the users named.
    static func bothWays(port: Int, _ requests: (_ user: String) -> [String], users: (String, String)) async throws -> (lane: [RawResponse], router: [RawResponse]) {
        let fresh = try Socket.connect(port: port)
        defer { fresh.close() }
        let lane = await exchange(fresh, requests(users.0))
        let routed = try Socket.connect(port: port)
        defer { routed.close() }
        let router = await exchange(routed, [healthz] + requests(users.1)).dropFirst()
        return (lane, Array(router))
    }

    @Test("the lane answers submissions, repeats, polls and refusals as the router does, headers and error bodies included")
    func sameAnswers() async throws {
        try await withLiveApp { client, _ in
            let port = try #require(client.port)
            _ = try await client.json(.post, "/v1/events", body: #"{"id":"lane","name":"L","prizes":1000}"#, admin: true)
            let (lane, router) = try await Self.bothWays(port: port, { user in
                [
                    Self.submit("lane", #"{"user":"\#(user)","payload":{"size":42}}"#),
                    Self.submit("lane", #"{"user":"\#(user)"}"#),
                    Self.submit("lane", #"{"user":"#),
                    Self.submit("lane", #"{"user":"\#(user)","extra":1}"#),
                    Self.submit("nosuch", #"{"user":"\#(user)"}"#),
                    Self.submit("lane", #"{"payload":{}}"#),
                ]
            }, users: ("a", "b"))
            #expect(lane.count == 6 && router.count == 6)
            #expect(lane.map(\.status) == [201, 200, 400, 400, 404, 400], "\(lane.map(\.body))")
            #expect(lane.map(\.status) == router.map(\.status))
            for (viaLane, viaRouter) in zip(lane, router) {
                #expect(Set(viaLane.headers.keys) == Set(viaRouter.headers.keys), "\(viaLane.headers) \(viaRouter.headers)")
                #expect(viaLane.headers["content-type"] == viaRouter.headers["content-type"])
                #expect(viaLane.headers["server"] == "firstcome" && viaLane.headers["date"] != nil)
                // `decided_at` comes with a decision, which the scheduler may make between two replies.
                #expect(Set(viaLane.json.keys).subtracting(["decided_at"]) == Set(viaRouter.json.keys).subtracting(["decided_at"]))
                if viaLane.status >= 400 { #expect(viaLane.body == viaRouter.body, "the same error, word for word") }
            }
            #expect(lane[0].json["user"] == nil && lane[0].json["seq"] as? Int == 1 && router[0].json["seq"] as? Int == 2)
            #expect(lane[1].json["token"] as? String == lane[0].json["token"] as? String, "a repeat gets the same entry")

            // Polls: the same reply either way, and an unknown token's 404.
            let token = try #require(lane[0].json["token"] as? String)
            let unknown = String(repeating: "A", count: 32)
            let (polls, routedPolls) = try await Self.bothWays(port: port, { _ in [Self.poll(token), Self.poll(unknown)] }, users: ("", ""))
            #expect(polls.map(\.status) == [200, 404] && routedPolls.map(\.status) == [200, 404])
            #expect(polls[0].json["seq"] as? Int == 1 && polls[0].json["token"] == nil)
            #expect(Set(polls[0].json.keys).subtracting(["decided_at"]) == Set(routedPolls[0].json.keys).subtracting(["decided_at"]))
            #expect(polls[1].body == routedPolls[1].body)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"firstcome_http_requests_total{route="/v1/events/{id}/entries",method="POST",status="201"} 2"#), "both counted")
            #expect(metrics.contains(#"firstcome_http_requests_total{route="/v1/entries/{token}",method="GET",status="200"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"firstcome_submissions_total{event="lane",result="created"} 2"#))
        }
    }

    @Test("a connection goes on with the router after its first other request; pipelined requests are answered in order")
    func handOverAndPipelining() async throws {
        try await withLiveApp { client, _ in
            let port = try #require(client.port)
            _ = try await client.json(.post, "/v1/events", body: #"{"id":"pipe","name":"P","prizes":1000}"#, admin: true)
            let socket = try Socket.connect(port: port)
            defer { socket.close() }
            let first = await Self.exchange(socket, [Self.submit("pipe", #"{"user":"p0"}"#)])
            let token = try #require(first.first?.json["token"] as? String)
            // Four requests in one write: two for the lane, one that hands the
            // connection over, and one more that the router then serves.
            socket.send(
                Self.submit("pipe", #"{"user":"p1"}"#) + Self.poll(token) + Self.healthz + Self.submit("pipe", #"{"user":"p2"}"#, close: true))
            let answers = await socket.responses(4)
            try #require(answers.map(\.status) == [201, 200, 200, 201], "\(answers.map(\.status)) \(answers.map(\.body))")
            #expect(answers[0].json["seq"] as? Int == 2 && answers[1].json["seq"] as? Int == 1 && answers[3].json["seq"] as? Int == 3)
            #expect(socket.readUntilClosed(timeout: .seconds(10)), "Connection: close is honoured after the hand-over")

            // A request that cannot be parsed after one the lane served: Hummingbird's 400, and the connection closes.
            let broken = try Socket.connect(port: port)
            defer { broken.close() }
            broken.send(Self.submit("pipe", #"{"user":"p3"}"#) + "NOT HTTP AT ALL\r\n\r\n")
            let (text, closed) = await StreamConnectionTests.readAll(broken, timeout: .seconds(30))
            #expect(closed && text.hasPrefix("HTTP/1.1 201") && text.contains("HTTP/1.1 400"), "\(text)")
            #expect(try await client.json(.get, "/v1/events/pipe").json["entries"] as? Int == 4, "every acknowledged entry, nothing else")
        }
    }

    @Test("the per-address limit applies on the lane: 429 with Retry-After and the usual error body")
    func limited() async throws {
        try await withLiveApp(configure: { $0.ipRateLimit = RateLimiter.Rule(perSecond: 0.01, burst: 2) }) { client, _ in
            let port = try #require(client.port)
            _ = try await client.json(.post, "/v1/events", body: #"{"id":"lim","name":"L","prizes":10}"#, admin: true)
            let socket = try Socket.connect(port: port)
            defer { socket.close() }
            let answers = await Self.exchange(socket, [
                Self.submit("lim", #"{"user":"x"}"#), Self.submit("lim", #"{"user":"y"}"#), Self.submit("lim", #"{"user":"z"}"#),
            ])
            #expect(answers.map(\.status) == [201, 201, 429], "\(answers.map(\.body))")
            #expect(answers.last?.headers["retry-after"] != nil)
            #expect(errorCode(answers.last?.json ?? [:]) == "rate_limited")
        }
    }
}
