/// Which SQLite migration each PostgreSQL migration matches: the two backends
/// reached the same schema by different steps (PostgreSQL started at SQLite's
/// 0005). Every migration of either backend is named here once, in order; the
/// live schemas are in `schema/sqlite.sql` and `schema/postgres.sql`.
public enum MigrationMap {
    public struct Step: Sendable, Equatable {
        /// The SQLite migrations this step covers, in order (empty: PostgreSQL only).
        public let sqlite: [String]
        /// The PostgreSQL migration (`nil`: SQLite only).
        public let postgres: String?
        /// Why a step has no counterpart.
        public let note: String?
    }

    public static let steps: [Step] = [
        Step(
            sqlite: ["0001_initial", "0002_event_identity", "0003_audit_chain", "0004_presence", "0005_shared_state"],
            postgres: "0001_initial", note: nil),
        Step(sqlite: ["0006_pause"], postgres: "0002_pause", note: nil),
        Step(sqlite: ["0007_webhooks"], postgres: "0003_webhooks", note: nil),
        Step(sqlite: ["0008_proof_of_work"], postgres: "0004_proof_of_work", note: nil),
        Step(sqlite: ["0009_draw"], postgres: "0005_draw", note: nil),
        Step(
            sqlite: [], postgres: "0006_submit_cost",
            note: "the cost of firstcome_submit (its plans, statement-level checks); SQLite submits in Swift"),
        Step(sqlite: ["0010_console_sessions"], postgres: "0007_console_sessions", note: nil),
        Step(
            sqlite: ["0011_sold_out_time"], postgres: nil,
            note: "PostgreSQL's 0003_webhooks already timed event.sold_out by the latest decision among the winners"),
        Step(sqlite: ["0012_user_length"], postgres: "0008_user_length", note: nil),
        Step(sqlite: ["0013_event_upkeep"], postgres: "0009_event_upkeep", note: nil),
        Step(
            sqlite: [], postgres: "0010_decide_at_entry",
            note: "firstcome_submit decides a sold-out event's new entries as SQLite's submit does in Swift"),
    ]
}
