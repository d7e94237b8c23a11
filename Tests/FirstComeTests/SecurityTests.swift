import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import FirstCome

@Suite("Hostile input and abuse")
struct SecurityTests {
    let create = #"{"id":"s","name":"S","prizes":5}"#

    @Test("no rate limit by default: a fast burst from one address all succeeds")
    func noLimitByDefault() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: create, admin: true)
            for index in 0..<200 {
                let reply = try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"u\#(index)"}"#)
                #expect(reply.status == .created)
            }
        }
    }

    @Test("per-address limit on submit and poll: 429 rate_limited with Retry-After")
    func perAddressLimit() async throws {
        try await withLiveApp(configure: { $0.ipRateLimit = RateLimiter.Rule(perSecond: 0.001, burst: 3) }) { client, _ in
            try await client.json(.post, "/v1/events", body: create, admin: true)
            var statuses: [Int] = []
            var token = ""
            for index in 0..<3 {
                let reply = try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"u\#(index)"}"#)
                statuses.append(Int(reply.status.code))
                token = reply.json["token"] as? String ?? token
            }
            #expect(statuses == [201, 201, 201])
            let limited = try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"late"}"#)
            #expect(limited.status == .tooManyRequests && errorCode(limited.json) == "rate_limited")
            #expect(Int(limited.response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            let poll = try await client.json(.get, "/v1/entries/\(token)")
            #expect(poll.status == .tooManyRequests, "polls share the address's bucket")
            // Admin and event reads are not limited.
            #expect(try await client.json(.get, "/v1/events/s").status == .ok)
            #expect((try await client.json(.get, "/v1/events/s")).json["entries"] as? Int == 3, "the refused entry was not recorded")
        }
    }

    @Test("per-user limit: one user cannot hammer, others are unaffected")
    func perUserLimit() async throws {
        try await withLiveApp(configure: { $0.userRateLimit = RateLimiter.Rule(perSecond: 0.001, burst: 2) }) { client, _ in
            try await client.json(.post, "/v1/events", body: create, admin: true)
            let statuses = try await (0..<4).asyncMap { _ in
                Int(try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"bot"}"#).status.code)
            }
            #expect(statuses == [201, 200, 429, 429])
            #expect(try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"human"}"#).status == .created)
        }
    }

    @Test("X-Forwarded-For counts only from a trusted proxy")
    func forwardedFor() async throws {
        for trusted in [false, true] {
            try await withLiveApp(configure: {
                $0.ipRateLimit = RateLimiter.Rule(perSecond: 0.001, burst: 1)
                if trusted { $0.trustedProxies = ["127.0.0.1"] }
            }) { client, _ in
                try await client.json(.post, "/v1/events", body: create, admin: true)
                let first = try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"a"}"#, headers: [.xForwardedFor: "198.51.100.1"])
                let second = try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"b"}"#, headers: [.xForwardedFor: "198.51.100.2"])
                #expect(first.status == .created)
                #expect(second.status == (trusted ? .created : .tooManyRequests), "trusted: \(trusted)")
            }
        }
    }

    @Test("1,000 concurrent submissions of one user make exactly one entry; every reply has its seq and token")
    func sameUserStorm() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: create, admin: true)
            let port = try #require(client.port)
            // A request waits for one of the 64 connections as long as its own timeout
            // allows (the default 10 s wait is too short on a loaded machine).
            let configuration = HTTPClient.Configuration(
                timeout: .init(connect: .seconds(60)),
                connectionPool: .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: 64))
            let replies = try await withHTTPClient(configuration) { http in
                try await withThrowingTaskGroup(of: LoadGenerator.Reply.self) { group in
                    for _ in 0..<1000 {
                        group.addTask { try await LoadGenerator.post(client: http, url: "http://127.0.0.1:\(port)/v1/events/s/entries", user: "same") }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(replies.filter { $0.status == 201 }.count == 1)
            #expect(replies.filter { $0.status == 200 }.count == 999)
            #expect(Set(replies.map(\.seq)) == [1] && Set(replies.map(\.token)).count == 1)
            #expect((try await client.json(.get, "/v1/events/s")).json["entries"] as? Int == 1)
        }
    }

    @Test("an over-long URI is 414 uri_too_long")
    func longURI() async throws {
        try await withLiveApp { client, _ in
            let reply = try await client.json(.get, "/v1/entries/" + String(repeating: "a", count: 3000))
            #expect(reply.status == .uriTooLong && errorCode(reply.json) == "uri_too_long")
        }
    }

    @Test("idle connections are closed after the idle timeout")
    func idleTimeout() async throws {
        try await withLiveApp(configure: { $0.idleTimeout = .milliseconds(500) }) { client, _ in
            let port = try #require(client.port)
            let socket = try Socket.connect(port: port)
            defer { socket.close() }
            let started = ContinuousClock.now
            #expect(socket.readUntilClosed(timeout: .seconds(5)), "the server closed the silent connection")
            #expect(ContinuousClock.now - started < .seconds(4))
        }
    }

    @Test("a client trickling its request a byte at a time is cut off at the request deadline")
    func slowRequest() async throws {
        try await withLiveApp(configure: {
            $0.idleTimeout = .seconds(10)
            $0.requestTimeout = .milliseconds(800)
        }) { client, _ in
            let port = try #require(client.port)
            let socket = try Socket.connect(port: port)
            defer { socket.close() }
            let started = ContinuousClock.now
            socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            var closed = false
            for index in 0..<40 where !closed {
                socket.send("X-Slow-\(index): y\r\n")
                closed = socket.readUntilClosed(timeout: .milliseconds(200))
            }
            #expect(closed, "the server closed the trickling connection")
            #expect(ContinuousClock.now - started < .seconds(5), "well before the idle timeout")
        }
    }

    @Test("admin routes can live on a separate listener")
    func separateAdminListener() async throws {
        let adminPort = Mutex<Int?>(nil)
        try await withLiveApp(
            configure: { $0.adminListener = ("127.0.0.1", 0) },
            onServerRunning: { port, admin in if admin { adminPort.withLock { $0 = port } } }
        ) { client, _ in
            let created = try await client.json(.post, "/v1/events", body: create, admin: true)
            #expect(created.status == .notFound, "no admin routes on the public listener")
            #expect(try await client.json(.get, "/metrics").status == .notFound)
            let port = try #require(adminPort.withLock { $0 })
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(testAdminToken)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: create))
            let response = try await HTTPClient.shared.execute(request, timeout: testRequestTimeout)
            #expect(response.status.code == 201)
            #expect(try await client.json(.get, "/v1/events/s").status == .ok, "the public listener serves the event read")
            let metrics = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: testRequestTimeout)
            #expect(metrics.status.code == 200)
        }
    }

    @Test("random bytes as event bodies are answered 400, never a crash")
    func eventBodyFuzz() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces = Array(#"{}[]":,0123456789-.eE truefalsenull"id""name""prizes""mode""identity""state""admit_per_tick""#.utf8)
        for round in 0..<5000 {
            let length = Int.random(in: 0...80, using: &generator)
            let bytes: [UInt8] = (0..<length).map { _ in
                round.isMultiple(of: 2) ? UInt8.random(in: 0...255, using: &generator) : pieces.randomElement(using: &generator)!
            }
            for decode in [{ _ = try JSONDecoder().decode(CreateEventRequest.self, from: Data(bytes)) },
                           { _ = try JSONDecoder().decode(PatchEventRequest.self, from: Data(bytes)) }] as [() throws -> Void] {
                do {
                    try decode()
                } catch is FirstComeError {
                } catch is DecodingError {
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
    }
}
