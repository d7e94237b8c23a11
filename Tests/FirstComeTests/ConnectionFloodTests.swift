import Foundation
import Glibc
import Testing

/// A flood of connections against the real binary with a small descriptor
/// limit: the process sheds connections past its cap instead of running out of
/// descriptors, keeps serving what it holds, keeps deciding, and serves new
/// connections once the flood ends.
@Suite("Connection floods", .serialized)
struct ConnectionFloodTests {
    static let limit = 256
    static let flood = 420
    let admin = "Authorization: Bearer \(testAdminToken)"

    /// Opens up to `count` sockets (a connect refused or reset by the kernel ends the run).
    static func openSockets(_ port: Int, count: Int) -> [Socket] {
        var sockets: [Socket] = []
        for _ in 0..<count {
            guard let socket = try? Socket.connect(port: port) else { break }
            sockets.append(socket)
        }
        return sockets
    }

    /// Whether a new connection is served (`/healthz`) within 2 s.
    static func served(_ port: Int) async -> Bool {
        guard let socket = try? Socket.connect(port: port) else { return false }
        defer { socket.close() }
        return await socket.request("GET", "/healthz", timeout: .seconds(2))?.status == 200
    }

    @Test("idle sockets and streams past the descriptor limit: still up, still deciding, served again afterwards")
    func flood() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(
            database: database.path, extra: ["--max-streams-per-token", "0", "--max-streams-per-client", "0", "--idle-timeout-s", "120", "--request-timeout-s", "120"],
            descriptorLimit: Self.limit)
        defer { _ = server.stop() }
        let cap = Self.limit - 64
        #expect(server.startupLog.contains("descriptor limit \(Self.limit)"), "\(server.startupLog)")
        #expect(server.startupLog.contains("up to \(cap) connections"))

        // A connection opened before the flood, and two events: one whose entries
        // wait (paused) for the streams, one the scheduler decides during the flood.
        let kept = try Socket.connect(port: server.port)
        defer { kept.close() }
        #expect(await kept.request("POST", "/v1/events", body: #"{"id":"held","name":"Held","prizes":10}"#, extra: [admin])?.status == 201)
        #expect(await kept.request("PATCH", "/v1/events/held", body: #"{"paused":true}"#, extra: [admin])?.status == 200)
        var tokens: [String] = []
        for index in 0..<10 {
            let reply = await kept.request("POST", "/v1/events/held/entries", body: #"{"user":"held-\#(index)"}"#)
            tokens.append(try #require(reply?.json["token"] as? String))
        }
        #expect(await kept.request("POST", "/v1/events", body: #"{"id":"flood","name":"Flood","prizes":100,"admit_per_tick":1}"#, extra: [admin])?.status == 201)
        for index in 0..<40 {
            #expect(await kept.request("POST", "/v1/events/flood/entries", body: #"{"user":"u-\#(index)"}"#)?.status == 201)
        }

        // 1. Idle sockets that never send a byte.
        var idle = Self.openSockets(server.port, count: Self.flood)
        #expect(idle.count > cap, "the kernel took more connections than the cap")
        #expect(try await eventually(timeout: .seconds(30)) { server.laterLog.contains("connection limit reached") }, "a line says connections are shed")
        #expect(server.process.isRunning)
        #expect(await kept.request("GET", "/healthz")?.status == 200, "a connection opened before is still served")
        let awardedDuringIdle = await kept.request("GET", "/v1/events/flood")?.json["awarded"] as? Int ?? 0
        #expect(try await eventually(timeout: .seconds(30)) {
            (await kept.request("GET", "/v1/events/flood")?.json["awarded"] as? Int ?? 0) >= min(40, awardedDuringIdle + 5)
        }, "the scheduler keeps deciding")
        let metrics = await kept.request("GET", "/metrics", extra: [admin])?.body ?? ""
        #expect(metrics.contains("firstcome_connections_shed_total"), "the shed connections are counted")
        idle.forEach { $0.close() }
        idle = []

        // 2. Live-update streams kept open.
        #expect(try await eventually(timeout: .seconds(30)) { await Self.served(server.port) }, "served again once the idle sockets went")
        var streams: [Socket] = []
        for index in 0..<Self.flood {
            guard let socket = try? Socket.connect(port: server.port) else { break }
            socket.send("GET /v1/entries/\(tokens[index % tokens.count])/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            streams.append(socket)
        }
        #expect(server.process.isRunning)
        #expect(await kept.request("GET", "/healthz")?.status == 200, "the kept connection is still served during the stream flood")
        #expect(try await eventually(timeout: .seconds(30)) {
            (await kept.request("GET", "/v1/events/flood")?.json["awarded"] as? Int ?? 0) == 40
        }, "every waiting entry decided while the streams were held")
        streams.forEach { $0.close() }

        // 3. After the flood, new connections are served again.
        #expect(try await eventually(timeout: .seconds(30)) { await Self.served(server.port) }, "served again once the streams went")
        #expect(server.process.isRunning)
        #expect(!server.laterLog.contains("unable to open database file"), "\(server.laterLog.suffix(2000))")
    }
}
