import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import FirstCome

@Suite("Live updates (Server-Sent Events)")
struct LiveUpdateTests {
    /// Reads a whole event stream; returns the `entry` events' JSON and the number of heartbeat comments.
    /// Reads a stream to its end; `opened` finishes once its first event has arrived.
    static func read(
        _ url: String, timeout: Duration = .seconds(20), client: HTTPClient = .shared, opened: AsyncStream<Void>.Continuation? = nil
    ) async throws -> (events: [[String: Any]], heartbeats: Int, status: Int) {
        defer { opened?.finish() }
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(Int64(timeout.components.seconds)))
        var text = ""
        for try await buffer in response.body {
            text += String(buffer: buffer)
            if text.contains("\n\n") { opened?.finish() }
        }
        let events = text.components(separatedBy: "\n\n").compactMap { block -> [String: Any]? in
            guard let line = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
        }
        return (events, text.components(separatedBy: ": keep-alive").count - 1, Int(response.status.code))
    }

    @Test("a waiting entry's stream shows its place falling, then the final status, then ends; idle streams get heartbeats")
    func stream() async throws {
        // One admitted per 300 ms tick and 20 in line: the last entry waits about 6 s,
        // long enough to see its place fall even on a busy machine.
        try await withLiveApp(tick: .milliseconds(300), configure: { $0.liveUpdateHeartbeat = .milliseconds(40) }) { client, _ in
            let port = try #require(client.port)
            try await client.json(.post, "/v1/events", body: #"{"id":"s","name":"S","prizes":30,"admit_per_tick":1}"#, admin: true)
            let replies = try await LoadGenerator(baseURL: "http://127.0.0.1:\(port)", concurrency: 20).submit(event: "s", count: 20)
            let tokens = replies.sorted { ($0.seq ?? 0) < ($1.seq ?? 0) }.map { $0.token ?? "" }
            let (events, heartbeats, status) = try await Self.read("http://127.0.0.1:\(port)/v1/entries/\(tokens[19])/events", timeout: .seconds(30))
            #expect(status == 200)
            let positions = events.compactMap { $0["position"] as? Int }
            #expect(positions.count >= 2 && positions == positions.sorted(by: >), "\(events)")
            #expect(events.last?["status"] as? String == "won" && events.dropLast().allSatisfy { $0["status"] as? String == "waiting" })
            #expect(heartbeats >= 1)
            let winner = try await Self.read("http://127.0.0.1:\(port)/v1/entries/\(tokens[0])/events")
            #expect(winner.events.last?["status"] as? String == "won" && winner.events.last?["receipt"] is String)
            let missing = try await client.json(.get, "/v1/entries/nope/events")
            #expect(missing.status == .notFound && errorCode(missing.json) == "entry_not_found")
        }
    }

    @Test("300 streams at once all end with their final status")
    func manyStreams() async throws {
        try await withLiveApp(tick: .milliseconds(100)) { client, _ in
            let port = try #require(client.port)
            try await client.json(.post, "/v1/events", body: #"{"id":"m","name":"M","prizes":50,"admit_per_tick":100}"#, admin: true)
            let replies = try await LoadGenerator(baseURL: "http://127.0.0.1:\(port)", concurrency: 32).submit(event: "m", count: 300)
            // A connection per stream, so all 300 are open at once: through the shared
            // client's eight per host they would queue, and the deadline of the last
            // ones would run while they waited for a connection.
            let configuration = HTTPClient.Configuration(
                timeout: .init(connect: .seconds(60)),
                connectionPool: .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: replies.count))
            let finals = try await withHTTPClient(configuration) { http in
                try await withThrowingTaskGroup(of: String?.self) { group in
                    for reply in replies {
                        group.addTask {
                            try await Self.read("http://127.0.0.1:\(port)/v1/entries/\(reply.token ?? "")/events", client: http).events.last?["status"] as? String
                        }
                    }
                    return try await group.reduce(into: [String?]()) { $0.append($1) }
                }
            }
            #expect(finals.filter { $0 == "won" }.count == 50 && finals.filter { $0 == "lost" }.count == 250)
        }
    }

    @Test("SIGTERM ends open streams and the server still exits 0")
    func shutdownWithOpenStreams() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path)
        // One admitted per 50 ms tick and 200 in line: the last entry waits about 10 s.
        var request = HTTPClientRequest(url: "\(server.baseURL)/v1/events")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(testAdminToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"id":"long","name":"Long","prizes":100,"admit_per_tick":1}"#))
        #expect(try await HTTPClient.shared.execute(request, timeout: testRequestTimeout).status.code == 201)
        let replies = try await LoadGenerator(baseURL: server.baseURL, concurrency: 16).submit(event: "long", count: 200)
        let token = try #require(replies.first { $0.seq == 200 }?.token)
        let base = server.baseURL
        let (opened, signal) = AsyncStream<Void>.makeStream()
        let stream = Task { try await Self.read("\(base)/v1/entries/\(token)/events", timeout: .seconds(30), opened: signal).events.count }
        for await _ in opened {}
        let started = ContinuousClock.now
        #expect(server.stop(signal: SIGTERM) == 0)
        #expect(ContinuousClock.now - started < .seconds(10))
        let received = try? await stream.value
        #expect((received ?? 0) >= 1, "the stream was open and ended")
    }
}
