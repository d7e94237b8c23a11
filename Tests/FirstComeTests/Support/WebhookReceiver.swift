import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A webhook receiver on 127.0.0.1 for tests: records every delivery it accepts,
/// answers 503 (without recording) while `failing` is on or `failNext` > 0, and
/// 307 to another URL (counted in `redirected`) while `redirect` is set.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let body: String
        let signature: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var id: String { json["id"] as? String ?? "" }
        var type: String { json["type"] as? String ?? "" }
        var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    }

    private let state = Mutex<(accepted: [Delivery], refused: Int, failNext: Int, failing: Bool)>(([], 0, 0, false))
    private let redirection = Mutex<(target: String?, count: Int)>((nil, 0))

    var accepted: [Delivery] { state.withLock { $0.accepted } }
    var refused: Int { state.withLock { $0.refused } }
    /// Ids in the order they were first accepted.
    var firstIDs: [String] {
        var seen = Set<String>()
        return accepted.map(\.id).filter { seen.insert($0).inserted }
    }

    func failNext(_ count: Int) { state.withLock { $0.failNext = count } }
    func setFailing(_ on: Bool) { state.withLock { $0.failing = on } }
    func redirect(to url: String?) { redirection.withLock { $0.target = url } }
    var redirected: Int { redirection.withLock { $0.count } }

    /// Where to send this request on to, counting it, while `redirect` is set.
    private func redirectTarget() -> String? {
        redirection.withLock { state in
            guard let target = state.target else { return nil }
            state.count += 1
            return target
        }
    }

    private func take(body: String, signature: String) -> Bool {
        state.withLock { state in
            if state.failing || state.failNext > 0 {
                state.failNext = max(0, state.failNext - 1)
                state.refused += 1
                return false
            }
            state.accepted.append(Delivery(body: body, signature: signature))
            return true
        }
    }

    /// Runs a receiver for the duration of `body`, which gets it and the URL to post to.
    static func with<T: Sendable>(_ body: @Sendable (WebhookReceiver, String) async throws -> T) async throws -> T {
        let receiver = WebhookReceiver()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            if let target = receiver.redirectTarget() { return Response(status: .temporaryRedirect, headers: [.location: target]) }
            let signature = request.headers[HTTPField.Name("Firstcome-Signature")!] ?? ""
            return Response(status: receiver.take(body: String(buffer: bytes), signature: signature) ? .ok : .serviceUnavailable)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSetupError(message: "the webhook receiver did not start") }
        do {
            let result = try await body(receiver, "http://127.0.0.1:\(port)/hook")
            task.cancel()
            _ = try? await task.value
            return result
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
    }
}
