import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers the webhook outbox: in order per event (an event's next delivery
/// waits until the one before it succeeded or was given up), events side by
/// side, at least once, retried with exponential backoff until the policy's
/// horizon. Only the node holding the scheduler lease delivers (always the one
/// process on SQLite; the scheduler keeps it and says so in `lease`), so several
/// nodes do not send the same row at once. Targets inside the operator's
/// networks are refused and redirects never followed (`WebhookTransport`).
public struct WebhookDeliverer: Service {
    let store: any EntryStore
    let policy: WebhookPolicy
    let admission: AdmissionIssuer?
    let lease: LeaseStatus
    let clock: @Sendable () -> Int64
    let logger: Logger
    let metrics: FirstComeMetrics?

    /// Rest between rounds that found nothing to send.
    public static let idleInterval: Duration = .milliseconds(200)
    /// How often event.closed / event.finished are looked for and the pending gauge set.
    public static let milestoneInterval: Duration = .seconds(1)
    /// Most deliveries of one event sent in one round (in order), and of all events.
    public static let perEventBatch = 32
    public static let roundLimit = 512

    public init(
        store: any EntryStore, policy: WebhookPolicy = WebhookPolicy(), admission: AdmissionIssuer? = nil,
        lease: LeaseStatus, clock: @escaping @Sendable () -> Int64 = Timestamp.now,
        logger: Logger = Logger(label: "firstcome.webhooks"), metrics: FirstComeMetrics? = nil
    ) {
        self.store = store
        self.policy = policy
        self.admission = admission
        self.lease = lease
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var milestones = clock.now - Self.milestoneInterval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var sent = false
            do {
                if lease.isHeld {
                    if clock.now - milestones >= Self.milestoneInterval {
                        let pending = try await store.noteWebhookMilestones(now: self.clock())
                        metrics?.recordWebhooksPending(pending)
                        milestones = clock.now
                    }
                    sent = try await round()
                }
            } catch {
                logger.error("webhook round failed", metadata: ["error": "\(error)"])
            }
            if !sent {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.idleInterval) }
            }
        }
    }

    /// Sends what is due now; true when anything was delivered (more may be due).
    @discardableResult
    public func round() async throws -> Bool {
        let due = try await store.dueWebhooks(now: clock(), perEvent: Self.perEventBatch, limit: Self.roundLimit)
        guard !due.isEmpty else { return false }
        var byEvent: [String: [WebhookDelivery]] = [:]
        var order: [String] = []
        for delivery in due {
            if byEvent[delivery.event] == nil { order.append(delivery.event) }
            byEvent[delivery.event, default: []].append(delivery)
        }
        let results = await withTaskGroup(of: [(Int64, WebhookAttempt)].self) { group in
            for event in order {
                let deliveries = byEvent[event] ?? []
                group.addTask { await deliverInOrder(deliveries) }
            }
            var all: [(Int64, WebhookAttempt)] = []
            for await part in group { all += part }
            return all
        }
        try await store.recordWebhookAttempts(results)
        return results.contains { if case .delivered = $0.1 { true } else { false } }
    }

    /// One event's deliveries, one after another, stopping at the first failure;
    /// the host is resolved and checked once for them all.
    private func deliverInOrder(_ deliveries: [WebhookDelivery]) async -> [(Int64, WebhookAttempt)] {
        var results: [(Int64, WebhookAttempt)] = []
        var transport: WebhookTransport?
        for delivery in deliveries {
            if transport?.host != WebhookTransport.host(of: delivery.target.url) {
                await transport?.shutdown()
                transport = await WebhookTransport.open(url: delivery.target.url, allowInternal: policy.allowInternalTargets)
            }
            let attempt = await send(delivery, through: transport!)
            results.append((delivery.id, attempt))
            guard case .delivered = attempt else { break }
        }
        await transport?.shutdown()
        return results
    }

    private func send(_ delivery: WebhookDelivery, through transport: WebhookTransport) async -> WebhookAttempt {
        let failure: WebhookFailure
        do throws(WebhookFailure) {
            let body: String
            do { body = try await self.body(delivery) } catch { throw .payload }
            var request = HTTPClientRequest(url: delivery.target.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "firstcome/\(FirstComeVersion.string)")
            request.headers.add(
                name: WebhookSignature.header, value: WebhookSignature.value(secret: delivery.target.secret, time: clock() / 1000, body: body))
            request.body = .bytes(ByteBuffer(string: body))
            let status = try await transport.post(request, timeout: policy.attemptTimeout)
            if (200..<300).contains(status) {
                metrics?.recordWebhook(result: "delivered")
                return .delivered(at: clock())
            }
            failure = .status(status)
        } catch let error {
            failure = error
        }
        let outcome = policy.afterFailure(delivery, error: failure.text, attempts: delivery.attempts + 1, now: clock())
        var metadata: Logger.Metadata = [
            "event": "\(delivery.event)", "id": "\(delivery.stableID)", "attempt": "\(delivery.attempts + 1)", "error": "\(failure.text)",
        ]
        switch outcome {
        case .failed(_, let retryAt):
            metadata["retry_in_ms"] = "\(retryAt - clock())"
            metrics?.recordWebhook(result: "failed")
            logger.info("webhook delivery failed", metadata: metadata)
        case .gaveUp:
            metrics?.recordWebhook(result: "gave_up")
            logger.error("webhook delivery given up", metadata: metadata)
        case .delivered:
            break
        }
        return outcome
    }

    private func body(_ delivery: WebhookDelivery) async throws -> String {
        var token: String?
        if delivery.type == .entryWon, let admission, let user = delivery.user {
            let seconds = try await store.liveEvent(id: delivery.event).claim?.passLifetime
            token = try await admission.token(event: delivery.event, seq: delivery.seq, now: clock(), seconds: seconds, user: { user }).jwt
        }
        var finished: WebhookPayload.Finished?
        if delivery.type == .eventFinished {
            let event = try await store.event(id: delivery.event)
            let commitment = (try? await Commitment.json(store: store, id: delivery.event, now: clock())) ?? "null"
            finished = .init(entries: event.entries, awarded: event.awarded, commitment: commitment)
        }
        return WebhookPayload.body(delivery, admissionToken: token, finished: finished)
    }
}
