/// What the server itself measured during a demo burst, read from its metrics
/// text (`GET /metrics`): how busy the one writer was, and how fast the server
/// answered submissions by its own clock. Beside what the load generator saw, it
/// tells which of the two limited the run.
public struct DemoServerFigures: Sendable {
    /// Group-commit transactions, and the submissions they held.
    public var commits: Double = 0
    public var committed: Double = 0
    /// Seconds the writer spent in those transactions.
    public var writerSeconds: Double = 0
    /// Submissions answered, by the upper bound (seconds) of each latency bucket.
    public var submitBuckets: [(bound: Double, count: Double)] = []

    /// The submit route as the server labels it.
    static let submitRoute = "/v1/events/{id}/entries"
    /// Below this share of the burst busy, the writer was not what held the rate.
    static let busyWriter = 0.8

    /// Reads the Prometheus text format; lines it does not know are left out.
    public init(metrics text: String) {
        var buckets: [Double: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let name = line[..<space]
            switch name {
            case "firstcome_commit_seconds_count": commits = value
            case "firstcome_commit_seconds_sum": writerSeconds = value
            case "firstcome_commit_batch_size_entries_sum": committed = value
            default:
                guard name.hasPrefix("firstcome_http_request_duration_seconds_bucket{"),
                    name.contains("route=\"\(Self.submitRoute)\""), name.contains("method=\"POST\""),
                    let bound = Self.label("le", in: name)
                else { continue }
                let upper = bound == "+Inf" ? Double.infinity : Double(bound)
                if let upper { buckets[upper, default: 0] += value }
            }
        }
        submitBuckets = buckets.sorted { $0.key < $1.key }.map { (bound: $0.key, count: $0.value) }
    }

    /// The smallest bucket bound that holds `share` of the answered submissions
    /// (`nil` without any, infinity when only the last bucket does).
    public func submitLatencyBound(_ share: Double) -> Double? {
        guard let total = submitBuckets.last?.count, total > 0 else { return nil }
        return submitBuckets.first { $0.count >= total * share }?.bound
    }

    /// The share of `seconds` the writer was busy committing.
    public func writerBusy(over seconds: Double) -> Double {
        seconds > 0 ? min(1, writerSeconds / seconds) : 0
    }

    /// Whether the writer, not the load generator, held the burst's rate.
    public func writerLimited(over seconds: Double) -> Bool {
        writerBusy(over: seconds) >= Self.busyWriter
    }

    private static func label(_ key: String, in name: Substring) -> String? {
        guard let start = name.range(of: "\(key)=\"") else { return nil }
        let rest = name[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
