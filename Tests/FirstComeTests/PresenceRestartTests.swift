import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import FirstCome

@Suite("Presence across a kill -9 and restart (real binary)")
struct PresenceRestartTests {
    func request(_ method: HTTPMethod, _ url: String, _ body: String? = nil, admin: Bool = false) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        if admin { request.headers.add(name: "Authorization", value: "Bearer \(testAdminToken)") }
        let response = try await HTTPClient.shared.execute(request, timeout: testRequestTimeout)
        let data = try await response.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:]
    }

    /// Entrants join while nothing is decided, the process is killed, everyone is
    /// away for longer than the timeout, and a new process starts with `grace`.
    /// Returns the statuses of the three entries once all are decided.
    func afterRestart(grace: Int) async throws -> [String] {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        // A tick of an hour: the entries stay waiting while this process runs.
        let first = try ServerProcess(database: database.path, extra: ["--tick-ms", "3600000"])
        _ = try await request(.POST, first.baseURL + "/v1/events", #"{"id":"room","name":"Room","prizes":3,"presence_timeout_s":1}"#, admin: true)
        for user in ["a", "b", "c"] {
            let entry = try await request(.POST, first.baseURL + "/v1/events/room/entries", #"{"user":"\#(user)"}"#)
            #expect(entry["status"] as? String == "waiting")
        }
        #expect(first.stop(signal: SIGKILL) == SIGKILL)
        try await Task.sleep(for: .milliseconds(2_500))  // away for 2.5 s > 1 s timeout

        let second = try ServerProcess(database: database.path, extra: ["--tick-ms", "100", "--presence-grace-s", String(grace)])
        defer { _ = second.stop() }
        var statuses: [String] = []
        _ = try await eventually(timeout: .seconds(20)) {
            let listing = try await request(.GET, second.baseURL + "/v1/events/room/entries", admin: true)
            statuses = (listing["entries"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            return statuses.count == 3 && !statuses.contains("waiting")
        }
        return statuses
    }

    @Test("without a grace period everyone away expires; with one, a restart expires nobody")
    func grace() async throws {
        async let bare = afterRestart(grace: 0)
        async let graced = afterRestart(grace: 60)
        #expect(try await bare == ["expired", "expired", "expired"])
        #expect(try await graced == ["won", "won", "won"])
    }
}
