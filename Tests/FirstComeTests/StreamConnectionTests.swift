import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Streams on connections opened for them are served on the event loop, not by
/// the router (`StreamingHTTP1Channel`); these tests reach both paths with raw
/// sockets, which decide what a connection's first request is.
@Suite("Live-update streams on connections opened for them")
struct StreamConnectionTests {
    /// The `data:` JSON of each event in a raw HTTP exchange.
    static func events(_ text: String) -> [[String: Any]] {
        text.components(separatedBy: "\n").compactMap { line -> [String: Any]? in
            guard line.hasPrefix("data: ") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    /// Reads the socket until the server closes it, on a thread of its own: a
    /// blocking read on the test's task would hold one of the few threads every
    /// live server in the test process needs to answer.
    static func readAll(_ socket: Socket, timeout: Duration = .seconds(60)) async -> (text: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: socket.readAll(timeout: timeout)) }
        }
    }

    static func decidedEntry(_ client: any TestClientProtocol, event: String) async throws -> String {
        _ = try await client.json(.post, "/v1/events", body: #"{"id":"\#(event)","name":"E","prizes":5}"#, admin: true)
        let entry = try await client.json(.post, "/v1/events/\(event)/entries", body: #"{"user":"a"}"#)
        let token = try #require(entry.json["token"] as? String)
        // Read from the event, not the entry: a poll would spend the token's rate limit.
        #expect(try await eventually { (try await client.json(.get, "/v1/events/\(event)")).json["awarded"] as? Int == 1 })
        return token
    }

    @Test("a connection whose first request is a stream gets it from the event loop and is closed after the final status; the router serves the same stream later on a connection")
    func firstRequest() async throws {
        try await withLiveApp { client, _ in
            let port = try #require(client.port)
            let token = try await Self.decidedEntry(client, event: "first")

            let fresh = try Socket.connect(port: port)
            defer { fresh.close() }
            fresh.send("GET /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\n\r\n")
            let (direct, closed) = await Self.readAll(fresh)
            #expect(closed, "the connection ends with the stream")
            #expect(direct.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(direct)")
            let head = direct.components(separatedBy: "\r\n\r\n")[0].lowercased()
            #expect(head.contains("content-type: text/event-stream") && head.contains("connection: close") && head.contains("date: "))
            #expect(Self.events(direct).count == 1 && Self.events(direct).last?["status"] as? String == "won")

            let reused = try Socket.connect(port: port)
            defer { reused.close() }
            reused.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let (routed, _) = await Self.readAll(reused)
            let parts = routed.components(separatedBy: "HTTP/1.1 200 OK\r\n")
            #expect(parts.count == 3, "healthz, then the stream: \(routed)")
            let routedEvents = Self.events(routed)
            #expect(routedEvents.count == 1)
            let same = try JSONSerialization.data(withJSONObject: routedEvents, options: .sortedKeys)
                == JSONSerialization.data(withJSONObject: Self.events(direct), options: .sortedKeys)
            #expect(same, "both paths send the same event")

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"firstcome_http_requests_total{route="/v1/entries/{token}/events",method="GET",status="200"} 2"#), "both counted")
        }
    }

    @Test("unknown tokens, other paths and bodies on a first request go to the router and get its answers")
    func notAStream() async throws {
        try await withLiveApp { client, _ in
            let port = try #require(client.port)
            let token = try await Self.decidedEntry(client, event: "other")
            for request in [
                "GET /v1/entries/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /v1/entries/\(token)/events?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            ] {
                let socket = try Socket.connect(port: port)
                defer { socket.close() }
                socket.send(request)
                let (answer, _) = await Self.readAll(socket)
                let status = answer.split(separator: " ").dropFirst().first.map(String.init)
                let body = answer.components(separatedBy: "\r\n\r\n").dropFirst().joined()
                if request.hasPrefix("GET /v1/entries/AAAA") {
                    #expect(status == "404" && body.contains("entry_not_found"), "\(answer)")
                } else if request.hasPrefix("POST") {
                    #expect(status == "404" && body.contains("not_found"), "\(answer)")
                } else {
                    // A query string is the router's to read; it serves the stream.
                    #expect(status == "200" && Self.events(answer).last?["status"] as? String == "won", "\(answer)")
                }
            }
            let malformed = try Socket.connect(port: port)
            defer { malformed.close() }
            malformed.send("NOT HTTP AT ALL\r\n\r\n")
            let (answer, closed) = await Self.readAll(malformed)
            #expect(answer.hasPrefix("HTTP/1.1 400") && closed, "\(answer)")
        }
    }

    @Test("the per-token limit applies to a stream on its own connection: 429 with the usual error body")
    func limited() async throws {
        try await withLiveApp(configure: { $0.userRateLimit = RateLimiter.Rule(perSecond: 0.01, burst: 1) }) { client, _ in
            let port = try #require(client.port)
            let token = try await Self.decidedEntry(client, event: "limited")
            var answers: [String] = []
            for _ in 0..<2 {
                let socket = try Socket.connect(port: port)
                defer { socket.close() }
                socket.send("GET /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\n\r\n")
                answers.append(await Self.readAll(socket).text)
            }
            #expect(answers[0].hasPrefix("HTTP/1.1 200") && Self.events(answers[0]).count == 1, "\(answers[0])")
            #expect(answers[1].hasPrefix("HTTP/1.1 429"), "\(answers[1])")
            #expect(answers[1].lowercased().contains("retry-after: "))
            let body = answers[1].components(separatedBy: "\r\n\r\n").dropFirst().joined()
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(errorCode(json ?? [:]) == "rate_limited")
        }
    }

    @Test("SIGTERM ends a stream on its own connection at once, with its last event, and the server exits 0")
    func shutdown() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path)
        let api = DemoAPI(base: server.baseURL, adminToken: testAdminToken)
        try await api.createEvent(id: "held", prizes: 1)
        _ = try await api.call(.PATCH, "/v1/events/held", body: #"{"paused":true}"#, expect: 200)
        let reply = try await api.call(.POST, "/v1/events/held/entries", body: #"{"user":"s"}"#, expect: 201)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: reply)) as? [String: Any]
        let token = try #require(json?["token"] as? String)
        let socket = try Socket.connect(port: server.port)
        defer { socket.close() }
        socket.send("GET /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\n\r\n")
        // The stream is open once its first event has arrived.
        let first = await socket.readUntil(["\"status\""])
        #expect(first.contains("\"status\""))
        let stopping = ContinuousClock.now
        #expect(server.stop() == 0)
        let (rest, closed) = await Self.readAll(socket)
        let text = first + rest
        #expect(closed && ContinuousClock.now - stopping < .seconds(10), "the stream held the exit")
        #expect(Self.events(text).last?["status"] as? String == "waiting")
        #expect(text.hasSuffix("0\r\n\r\n"), "the response ended properly: \(text.suffix(40))")
    }
}
