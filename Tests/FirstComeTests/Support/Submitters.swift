import AsyncHTTPClient
import Foundation
import Synchronization

@testable import FirstCome

/// Concurrent clients that keep submitting distinct users until told to stop or
/// until the server goes away, recording every acknowledged (2xx) entry.
final class Submitters: Sendable {
    struct Ack: Sendable, Equatable {
        let seq: Int64
        let token: String
    }

    private let acks = Mutex<[String: Ack]>([:])
    private let stopped = Atomic<Bool>(false)

    /// Every acknowledged entry so far, by user.
    var acknowledged: [String: Ack] { acks.withLock { $0 } }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Runs `workers` clients against `baseURL` until `stop()` or a connection
    /// error; users are named `prefix-worker-n`.
    func run(baseURL: String, event: String, workers: Int, prefix: String, limitPerWorker: Int = .max) async {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: workers)
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var index = 0
                    while !self.stopped.load(ordering: .relaxed) && index < limitPerWorker {
                        let user = "\(prefix)-\(worker)-\(index)"
                        index += 1
                        guard let reply = try? await LoadGenerator.post(client: client, url: "\(baseURL)/v1/events/\(event)/entries", user: user)
                        else { return }
                        if (200..<300).contains(reply.status), let seq = reply.seq, let token = reply.token {
                            self.acks.withLock { $0[user] = Ack(seq: seq, token: token) }
                        }
                    }
                }
            }
        }
        try? await client.shutdown()
    }
}
