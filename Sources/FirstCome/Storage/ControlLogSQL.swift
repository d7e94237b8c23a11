/// Appends admin actions and decisions to an event's control log, written once
/// for both stores: each record chains to the previous link, and the event keeps
/// the new head.
enum ControlLogSQL {
    /// The statements that append `record` to `event`'s log; `event` takes the new head.
    static func append(_ event: inout Event, record: String) -> [SQLStatement] {
        let chain = AuditRecords.link(event.controlHead, record)
        event.controlHead = chain
        return [
            SQLStatement(
                sql: """
                    INSERT INTO control_log (event_key, position, record, chain)
                    SELECT $1, coalesce(max(position), 0) + 1, $2, $3 FROM control_log WHERE event_key = $1
                    """,
                values: [.integer(event.key), .text(record), .blob(chain)]),
            SQLStatement(sql: "UPDATE events SET control_head = $1 WHERE key = $2", values: [.blob(chain), .integer(event.key)]),
        ]
    }
}
