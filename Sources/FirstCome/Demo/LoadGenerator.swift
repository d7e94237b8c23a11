import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Fires many distinct entrants at an event over real HTTP, with a fixed number of
/// concurrent connections, and records what each one got back.
public struct LoadGenerator: Sendable {
    /// What one entrant got back.
    public struct Reply: Sendable {
        public var user: String
        public var status: Int
        public var seq: Int64?
        public var token: String?
        public var latency: Duration
    }

    public let baseURL: String
    public let concurrency: Int

    public init(baseURL: String, concurrency: Int) {
        self.baseURL = baseURL
        self.concurrency = max(1, concurrency)
    }

    /// Submits `count` entrants named `userPrefix0...` to `event`; `progress` is
    /// called with the number of replies so far (from any task).
    public func submit(
        event: String, count: Int, userPrefix: String = "user-",
        progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> [Reply] {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let next = LoadCounter()
        let done = LoadCounter()
        let url = "\(baseURL)/v1/events/\(event)/entries"
        do {
            let replies = try await withThrowingTaskGroup(of: [Reply].self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var replies: [Reply] = []
                        while true {
                            let index = next.increment() - 1
                            if index >= count { return replies }
                            let user = "\(userPrefix)\(index)"
                            replies.append(try await Self.post(client: client, url: url, user: user))
                            progress(done.increment())
                        }
                    }
                }
                var all: [Reply] = []
                all.reserveCapacity(count)
                for try await part in group { all.append(contentsOf: part) }
                return all
            }
            try await client.shutdown()
            return replies
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func post(client: HTTPClient, url: String, user: String) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "{\"user\":\(JSONText.quote(user))}"))
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 * 1024)
        let latency = clock.now - start
        struct Answer: Decodable {
            let seq: Int64
            let token: String
        }
        let answer = try? JSONDecoder().decode(Answer.self, from: body)
        return Reply(user: user, status: Int(response.status.code), seq: answer?.seq, token: answer?.token, latency: latency)
    }
}

/// Latency percentiles of a set of replies.
public struct LatencySummary: Sendable {
    public let p50: Duration
    public let p99: Duration
    public let max: Duration

    public init(_ latencies: [Duration]) {
        let sorted = latencies.sorted()
        func at(_ fraction: Double) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
        }
        p50 = at(0.50)
        p99 = at(0.99)
        max = sorted.last ?? .zero
    }
}

/// A shared counter for the load tasks.
final class LoadCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one and returns the new value.
    func increment() -> Int {
        value.add(1, ordering: .relaxed).newValue
    }
}
