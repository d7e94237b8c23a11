import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// What HTTP/1.x says about a connection, on both paths (the event-loop lane
/// for a fresh connection's submits, polls and streams; the router for the rest).
@Suite("Connection rules")
struct ConnectionRulesTests {
    /// An event with one entry; returns the entry's token.
    static func entry(_ client: any TestClientProtocol, event: String = "c", prizes: Int = 5, paused: Bool = true) async throws -> String {
        #expect(try await client.json(.post, "/v1/events", body: #"{"id":"\#(event)","name":"C","prizes":\#(prizes)}"#, admin: true).status == .created)
        if paused { #expect(try await client.json(.patch, "/v1/events/\(event)", body: #"{"paused":true}"#, admin: true).status == .ok) }
        let reply = try await client.json(.post, "/v1/events/\(event)/entries", body: #"{"user":"ann"}"#)
        return try #require(reply.json["token"] as? String)
    }

    @Test("HTTP/1.0 without keep-alive is closed after its reply, on the lane and on the router")
    func http10() async throws {
        try await withLiveApp { client, _ in
            let token = try await Self.entry(client)
            let port = try #require(client.port)
            for path in ["/healthz", "/v1/entries/\(token)"] {
                let socket = try Socket.connect(port: port)
                defer { socket.close() }
                let reply = await socket.exchange("GET \(path) HTTP/1.0\r\nHost: x\r\n\r\n")
                #expect(reply?.status == 200, "\(path)")
                #expect(reply?.headers["connection"] == "close", "\(path)")
                #expect(await socket.readUntilClosed(timeout: .seconds(5)), "\(path): closed after the reply")
            }
            // HTTP/1.0 asking for keep-alive keeps its connection.
            let socket = try Socket.connect(port: port)
            defer { socket.close() }
            #expect(await socket.exchange("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.status == 200)
            #expect(await socket.exchange("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.status == 200)
        }
    }

    @Test("Expect: 100-continue gets 100 Continue before the body is sent")
    func expectContinue() async throws {
        try await withLiveApp { client, _ in
            _ = try await Self.entry(client, paused: false)
            let socket = try Socket.connect(port: try #require(client.port))
            defer { socket.close() }
            let body = #"{"user":"bob"}"#
            socket.send("POST /v1/events/c/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
            let interim = await socket.readReply(timeout: .seconds(5), skipInformational: false)
            #expect(interim?.status == 100)
            socket.send(body)
            #expect(await socket.readReply()?.status == 201)
        }
    }

    @Test("a malformed chunked body is 400, on the public and the admin routes")
    func malformedChunks() async throws {
        try await withLiveApp { client, _ in
            _ = try await Self.entry(client, paused: false)
            let port = try #require(client.port)
            let requests = [
                "POST /v1/events/c/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                "POST /v1/events/c/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n{}\r\n",
                "PATCH /v1/events/c HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(testAdminToken)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            ]
            for request in requests {
                let socket = try Socket.connect(port: port)
                defer { socket.close() }
                let reply = await socket.exchange(request, timeout: .seconds(10))
                #expect(reply?.status == 400, "\(request.prefix(40)): \(reply.map { "\($0.status) \($0.body)" } ?? "no reply")")
            }
        }
    }

    @Test("a stream pipelined behind a submit is not cut at the request deadline")
    func pipelinedStream() async throws {
        try await withLiveApp(configure: {
            $0.requestTimeout = .milliseconds(700)
            $0.liveUpdateHeartbeat = .milliseconds(200)
        }) { client, _ in
            let token = try await Self.entry(client)
            let socket = try Socket.connect(port: try #require(client.port))
            defer { socket.close() }
            let body = #"{"user":"carol"}"#
            socket.send(
                "POST /v1/events/c/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                    + "GET /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\n\r\n")
            let seen = await socket.readAll(timeout: .milliseconds(2000))
            #expect(!seen.closed, "the stream is still open well past the request deadline")
            #expect(seen.text.contains("201 Created") && seen.text.contains("event: entry") && seen.text.contains(": keep-alive"))
        }
    }

    @Test("a stream ends as soon as its client closes its side")
    func streamNoticesFIN() async throws {
        try await withLiveApp(configure: { $0.liveUpdateHeartbeat = .seconds(60) }) { client, store in
            let token = try await Self.entry(client)
            let socket = try Socket.connect(port: try #require(client.port))
            defer { socket.close() }
            socket.send("GET /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\n\r\n")
            let opened = await socket.readUntil(["event: entry"])
            #expect(opened.contains("event: entry"))
            let started = ContinuousClock.now
            socket.finish()
            #expect(await socket.readUntilClosed(timeout: .seconds(10)), "the server closed the stream")
            #expect(ContinuousClock.now - started < .seconds(5), "long before the 60 s heartbeat")
        }
    }

    @Test("streams open at once are capped per token and per client address, on both paths")
    func streamCaps() async throws {
        try await withLiveApp(configure: {
            $0.maxStreamsPerToken = 2
            $0.maxStreamsPerClient = 3
        }) { client, _ in
            let token = try await Self.entry(client)
            let other = try #require(try await client.json(.post, "/v1/events/c/entries", body: #"{"user":"dan"}"#).json["token"] as? String)
            let port = try #require(client.port)
            func open(_ token: String, afterPoll: Bool = false) async throws -> (Socket, String) {
                let socket = try Socket.connect(port: port)
                if afterPoll {
                    // A request first, so the stream is served by the router.
                    _ = await socket.request("GET", "/healthz")
                }
                socket.send("GET /v1/entries/\(token)/events HTTP/1.1\r\nHost: x\r\n\r\n")
                return (socket, await socket.readUntil(["event: entry", "429"]))
            }
            let first = try await open(token)
            let second = try await open(token, afterPoll: true)
            let third = try await open(token)
            defer { [second, third].forEach { $0.0.close() } }
            #expect(first.1.contains("200 OK") && second.1.contains("200 OK"))
            #expect(third.1.contains("429"), "a third stream for one token: \(third.1.prefix(80))")
            var firstOpen = true
            defer { if firstOpen { first.0.close() } }
            let fourth = try await open(other, afterPoll: true)
            let fifth = try await open(other)
            defer { [fourth, fifth].forEach { $0.0.close() } }
            #expect(fourth.1.contains("200 OK"))
            #expect(fifth.1.contains("429"), "a fourth stream from one address")
            first.0.close()
            firstOpen = false
            #expect(try await eventually {
                let again = try await open(other)
                defer { again.0.close() }
                return again.1.contains("200 OK")
            }, "a closed stream frees its place")
        }
    }
}
