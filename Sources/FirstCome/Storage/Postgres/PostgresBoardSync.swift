import Logging
import PostgresNIO
import ServiceLifecycle

extension PostgresEntryStore {
    /// Receipts read per event in one catch-up.
    static let receiptPage: Int64 = 200_000

    /// Brings the board up to the database: every event's newest row with the
    /// decisions, expirations and receipts it lacks (for one event with `only`).
    /// Returns whether receipts remain to be read.
    @discardableResult
    func catchUp(only: Int64? = nil) async throws -> Bool {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                let filter = only.map { " WHERE key = \($0)" } ?? ""
                let events = try await PostgresEventRow.all(
                    try await connection.query("SELECT \(unescaped: PostgresEventRow.columns) FROM events\(unescaped: filter) ORDER BY key", logger: logger))
                var more = false
                for event in events {
                    let known = board.known(eventKey: event.key)
                    let decidedTo = known?.decidedTo ?? 0
                    var decisions: [EventBoard.Decision] = []
                    var expired: [Int64] = []
                    // Read after the event row: everything decided up to its serving is there.
                    if event.serving > decidedTo {
                        for try await (last, at) in try await connection.query(
                            "SELECT last_seq, decided_at FROM decisions WHERE event_key = \(event.key) AND last_seq > \(decidedTo) ORDER BY last_seq",
                            logger: logger
                        ).decode((Int64, Int64).self) {
                            decisions.append(.init(lastSeq: last, decidedAt: at))
                        }
                        for try await place in try await connection.query(
                            """
                            SELECT coalesce(e.place, x.seq) FROM expirations x JOIN entries e ON e.event_key = x.event_key AND e.seq = x.seq
                             WHERE x.event_key = \(event.key) AND coalesce(e.place, x.seq) > \(decidedTo) ORDER BY 1
                            """, logger: logger
                        ).decode(Int64.self) {
                            expired.append(place)
                        }
                    }
                    // A draw another node made: its places, once.
                    var places: Places?
                    if event.draw != nil, known?.placesKnown != true {
                        places = try await PostgresEventRow.places(connection, event: event, logger: logger)
                    }
                    let receiptsTo = known?.receiptsTo ?? 0
                    var receipts: [UInt8] = []
                    if event.entries > receiptsTo {
                        for try await link in try await connection.query(
                            """
                            SELECT chain FROM entries WHERE event_key = \(event.key) AND seq > \(receiptsTo) ORDER BY seq LIMIT \(Self.receiptPage)
                            """, logger: logger
                        ).decode(ByteBuffer.self) {
                            receipts.append(contentsOf: link.readableBytesView)
                        }
                        if event.entries - receiptsTo > Self.receiptPage { more = true }
                    }
                    board.update(
                        event, decisions: decisions, receipts: receipts, receiptsFrom: receiptsTo + 1, expired: expired, places: places)
                }
                return more
            }
        }
    }
}

/// Keeps a node's board following the other nodes' commits.
struct BoardSync: Service {
    let store: PostgresEntryStore

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await store.catchUp()
            } catch {
                store.logger.warning("catching up with the database failed", metadata: ["error": "\(PostgresErrors.describe(error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: PostgresEntryStore.syncInterval) }
        }
    }
}
