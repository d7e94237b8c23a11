import Prometheus
import Synchronization

/// The service's Prometheus metrics, kept in one registry per application so
/// tests stay independent. `GET /metrics` renders it in the text format.
public final class FirstComeMetrics: Sendable {
    /// The registry behind `GET /metrics`; the executable also routes swift-metrics into it.
    public let registry: PrometheusCollectorRegistry

    private let tickDuration: DurationHistogram
    private let commitDuration: DurationHistogram
    private let batchSize: ValueHistogram
    private let connectionsShed: Counter
    private let connectionsOpen: Gauge
    private let commitPending: Gauge
    /// Request metrics per (route, method, status), so the hot path skips the registry's label lookup.
    private let requestMetrics = Mutex<[RequestKey: (Counter, DurationHistogram)]>([:])

    private let submissionCounters = Mutex<[SubmissionKey: Counter]>([:])

    private struct SubmissionKey: Hashable {
        let event: String
        let result: String
    }

    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        tickDuration = registry.makeDurationHistogram(
            descriptor: Self.name("scheduler_tick", unit: "seconds", help: "Duration of one award scheduler tick."),
            labels: [], buckets: Self.latencyBuckets)
        commitDuration = registry.makeDurationHistogram(
            descriptor: Self.name("commit", unit: "seconds", help: "Duration of one group-commit transaction."),
            labels: [], buckets: Self.latencyBuckets)
        batchSize = registry.makeValueHistogram(
            descriptor: Self.name("commit_batch_size", unit: "entries", help: "Submissions per group-commit transaction."),
            labels: [], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048])
        connectionsShed = registry.makeCounter(
            descriptor: Self.name("connections_shed", unit: "total", help: "Connections closed on arrival because the connection cap was reached."),
            labels: [])
        connectionsOpen = registry.makeGauge(
            descriptor: Self.name("connections_open", unit: "connections", help: "Client connections open now (both listeners)."),
            labels: [])
        commitPending = registry.makeGauge(
            descriptor: Self.name(
                "commit_pending", unit: "submissions", help: "Submissions accepted and not yet answered: queued for or in a group commit."),
            labels: [])
    }

    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "firstcome", metricName: metric, unitName: unit, helpText: help)
    }

    /// One HTTP request answered.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        let (counter, histogram) = requestMetrics.withLock { cache in
            if let found = cache[key] { return found }
            let made = (
                registry.makeCounter(
                    descriptor: Self.name("http_requests", unit: "total", help: "HTTP requests by route, method and status."),
                    labels: [("route", route), ("method", method), ("status", String(status))]),
                registry.makeDurationHistogram(
                    descriptor: Self.name("http_request_duration", unit: "seconds", help: "HTTP request latency by route and method."),
                    labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets)
            )
            cache[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    /// One submission's outcome: created, existing, or an error code.
    func recordSubmission(event: String, result: String) {
        let key = SubmissionKey(event: event, result: result)
        let counter = submissionCounters.withLock { cache in
            if let found = cache[key] { return found }
            let made = registry.makeCounter(
                descriptor: Self.name("submissions", unit: "total", help: "Submissions by event and result."),
                labels: [("event", event), ("result", result)])
            cache[key] = made
            return made
        }
        counter.increment()
    }

    /// Entries of `event` expired for lack of presence.
    func recordExpired(event: String, count: Int) {
        expiredCounter(event).increment(by: Int64(count))
    }

    private func expiredCounter(_ event: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("expired", unit: "entries_total", help: "Entries expired at their turn because their entrant had left, by event."),
            labels: [("event", event)])
    }

    /// One webhook attempt's result: `delivered`, `failed` (will retry) or `gave_up`.
    func recordWebhook(result: String) {
        registry.makeCounter(
            descriptor: Self.name("webhook_deliveries", unit: "total", help: "Webhook delivery attempts by result (delivered, failed, gave_up)."),
            labels: [("result", result)]
        ).increment()
    }

    /// Webhook deliveries waiting (not yet delivered nor given up), over all events.
    func recordWebhooksPending(_ count: Int64) {
        registry.makeGauge(
            descriptor: Self.name("webhook_pending", unit: "deliveries", help: "Webhook deliveries not yet delivered nor given up."),
            labels: []
        ).set(Double(count))
    }

    /// A connection closed at once because the connection cap was reached.
    func recordConnectionShed() {
        connectionsShed.increment()
    }

    /// Client connections open now, both listeners together.
    func recordOpenConnections(_ count: Int) {
        connectionsOpen.set(to: Double(count))
    }

    func recordCommit(batchSize size: Int, duration: Duration) {
        batchSize.record(Double(size))
        commitDuration.record(duration)
    }

    func recordTick(_ duration: Duration) {
        tickDuration.record(duration)
    }

    /// Sets the per-event gauges from the events as stored; every event gets all
    /// its series (counters at 0) from the first scrape after its creation.
    /// The group committer's submissions not yet answered, read when the metrics are rendered.
    func recordPending(_ count: Int) {
        commitPending.set(to: Double(count))
    }

    func update(events: [Event]) {
        for event in events {
            _ = expiredCounter(event.id)
            registry.makeGauge(
                descriptor: Self.name("waiting", unit: "entries", help: "Entries waiting for a decision, by event."),
                labels: [("event", event.id)]
            ).set(to: Double(event.waiting))
            registry.makeGauge(
                descriptor: Self.name("awarded", unit: "prizes", help: "Prizes awarded, by event."),
                labels: [("event", event.id)]
            ).set(to: Double(event.awarded))
            registry.makeGauge(
                descriptor: Self.name("recorded", unit: "entries", help: "Entries recorded, by event."),
                labels: [("event", event.id)]
            ).set(to: Double(event.entries))
        }
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        registry.emitToString()
    }
}
