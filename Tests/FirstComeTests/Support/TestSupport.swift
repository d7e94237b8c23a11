import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import FirstCome

/// A fresh database file in its own temporary folder, removed afterwards.
struct TemporaryDatabase {
    let directory: URL
    var path: String { directory.appending(path: "test.sqlite").path(percentEncoded: false) }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "firstcome-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Runs `body` with an open, migrated pool on a new database.
    static func with<T>(durability: Durability = .full, _ body: (DatabasePool, TemporaryDatabase) async throws -> T) async throws -> T {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let pool = try FirstComeDatabase.open(path: database.path, durability: durability)
        return try await body(pool, database)
    }
}

/// A settable clock (milliseconds since 1970) for tests that move time.
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64 = 1_800_000_000_000) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(_ ms: Int64) { value.withLock { $0 += ms } }
}

import Synchronization

let testAdminToken = "test-admin-token"

/// How long a test's direct HTTP call (outside the test client) may take. The
/// PostgreSQL run starts every live-server suite at once on two cores, where
/// a plain request has been seen taking over 5 s; a server that does not
/// answer at all still fails the test.
let testRequestTimeout: TimeAmount = .seconds(30)

extension TestClientProtocol {
    /// Sends a JSON request and returns status and parsed JSON body (if any).
    @discardableResult
    func json(
        _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, admin: Bool = false,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, json: [String: Any], response: TestResponse) {
        var headers = extra
        if admin { headers[.authorization] = "Bearer \(testAdminToken)" }
        if body != nil && headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let response = try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (response.status, object, response)
    }
}

/// The error code of a JSON error body.
func errorCode(_ json: [String: Any]) -> String? {
    (json["error"] as? [String: Any])?["code"] as? String
}

/// Admission tokens signed with keys kept in the store, as `serve` sets them up.
func testAdmission(issuer: String = "firstcome", lifetime: Duration = .seconds(3600)) -> @Sendable (any EntryStore) async throws -> AdmissionIssuer {
    { store in AdmissionIssuer(keys: try await AdmissionKeys(store: store), issuer: issuer, lifetime: lifetime) }
}

/// The backend the live-app suites run on: SQLite, or PostgreSQL when
/// FIRSTCOME_TEST_BACKEND=postgres (scripts/test runs the HTTP, audit, page and
/// end-to-end suites a second time that way).
var liveBackend: Backend {
    ProcessInfo.processInfo.environment["FIRSTCOME_TEST_BACKEND"].flatMap(Backend.init(rawValue:)) ?? .sqlite
}

/// Builds the real application on a temporary database (of `liveBackend`) with a fast scheduler.
func withLiveApp(
    tick: Duration = .milliseconds(50), configure: (inout AppSettings) -> Void = { _ in },
    onServerRunning: @escaping @Sendable (Int, Bool) async -> Void = { _, _ in },
    admission: (@Sendable (any EntryStore) async throws -> AdmissionIssuer)? = nil, templates: PageTemplates? = nil,
    _ body: @escaping @Sendable (any TestClientProtocol, any EntryStore) async throws -> Void
) async throws {
    try await withBackend(liveBackend) { store, _ in
        try await liveApp(
            store: store, tick: tick, configure: configure, onServerRunning: onServerRunning, admission: admission, templates: templates
        ) { client in try await body(client, store) }
    }
}

/// Builds the real application on `store` with a fast scheduler and runs `body` against it.
func liveApp(
    store: any EntryStore, tick: Duration = .milliseconds(50), configure: (inout AppSettings) -> Void = { _ in },
    onServerRunning: @escaping @Sendable (Int, Bool) async -> Void = { _, _ in },
    admission: (@Sendable (any EntryStore) async throws -> AdmissionIssuer)? = nil, templates: PageTemplates? = nil,
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    var logger = Logger(label: "firstcome.test")
    logger.logLevel = .warning
    var settings = AppSettings(host: "127.0.0.1", port: 0, adminToken: testAdminToken, tickInterval: tick)
    // The test client holds one keep-alive connection for the whole test and does
    // not reconnect; a long load phase in between (tens of seconds on a busy
    // machine) must not outlast the server's idle and request deadlines. Tests of
    // those deadlines set their own below.
    settings.idleTimeout = .seconds(600)
    settings.requestTimeout = .seconds(600)
    configure(&settings)
    let issuer = try await admission?(store)
    let app = try buildApplication(
        settings: settings, store: store, logger: logger, admission: issuer, templates: templates, onServerRunning: onServerRunning)
    try await app.test(.live) { client in try await body(client) }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

import AsyncHTTPClient

/// Runs `body` with an HTTP client that is shut down whatever happens (a client
/// dropped without a shutdown stops the whole test process in debug builds).
func withHTTPClient<T>(_ configuration: HTTPClient.Configuration = .init(), _ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

extension GroupCommitter {
    /// Runs a committer on `store` while `body` uses it, then commits what is
    /// queued and stops it, as the service group does on shutdown.
    static func running<T: Sendable>(
        store: any EntryStore, maxBatch: Int = 2048, clock: @escaping @Sendable () -> Int64 = Timestamp.now,
        _ body: (GroupCommitter) async throws -> T
    ) async throws -> T {
        let committer = GroupCommitter(store: store, maxBatch: maxBatch, clock: clock)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await committer.run() }
            defer { committer.close() }
            return try await body(committer)
        }
    }
}
