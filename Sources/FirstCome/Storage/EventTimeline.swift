/// What the database keeps about an event's course, per second: arrivals,
/// decisions, wins and expirations, and how long entries waited for their
/// decision. Read from the entries and decisions themselves, so it needs no
/// writes of its own and survives restarts.
public struct EventTimeline: Sendable, Equatable {
    /// (unix second, count), ascending.
    public var arrivals: [Count] = []
    public var decided: [Count] = []
    public var won: [Count] = []
    public var expired: [Count] = []
    /// (milliseconds from entry to decision, entries), ascending.
    public var waits: [Count] = []

    public struct Count: Sendable, Equatable {
        public var key: Int64
        public var count: Int64

        public init(_ key: Int64, _ count: Int64) {
            self.key = key
            self.count = count
        }
    }

    public init() {}

    /// The queries, in the order of the fields above; `$1` is the event key.
    static let queries = [
        "SELECT created_at / 1000, count(*) FROM entries WHERE event_key = $1 GROUP BY created_at / 1000 ORDER BY 1",
        """
        SELECT decided_at / 1000, CAST(sum(last_seq - first_seq + 1) AS BIGINT) FROM decisions WHERE event_key = $1
         GROUP BY decided_at / 1000 ORDER BY 1
        """,
        "SELECT decided_at / 1000, count(*) FROM entries WHERE event_key = $1 AND status = 'won' GROUP BY decided_at / 1000 ORDER BY 1",
        "SELECT expired_at / 1000, count(*) FROM expirations WHERE event_key = $1 GROUP BY expired_at / 1000 ORDER BY 1",
        // Decisions cover places: a drawn entry is found by its stored place, any
        // other by its seq (its place), each along an index.
        """
        SELECT w, CAST(sum(n) AS BIGINT) FROM (
            SELECT d.decided_at - e.created_at AS w, count(*) AS n FROM decisions d
              JOIN entries e ON e.event_key = d.event_key AND e.seq BETWEEN d.first_seq AND d.last_seq AND e.place IS NULL
             WHERE d.event_key = $1 GROUP BY d.decided_at - e.created_at
            UNION ALL
            SELECT d.decided_at - e.created_at AS w, count(*) AS n FROM decisions d
              JOIN entries e ON e.event_key = d.event_key AND e.place BETWEEN d.first_seq AND d.last_seq
             WHERE d.event_key = $1 GROUP BY d.decided_at - e.created_at
        ) waits GROUP BY w ORDER BY 1
        """,
    ]

    /// Builds a timeline from the results of `queries`, in order.
    init(results: [[Count]]) {
        arrivals = results[0]
        decided = results[1]
        won = results[2]
        expired = results[3]
        waits = results[4]
    }
}
