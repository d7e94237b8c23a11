/// The narrow storage contract of firstcome. Each method that touches the
/// database is one transaction; `currentEvent` and `entry(token:)` may answer
/// from a copy the store keeps in memory (they are on the hot path). SQLite
/// implements it today; a PostgreSQL store for multi-node events can implement the
/// same contract later (answering those two from the database).
public protocol EntryStore: Sendable {
    /// Creates an event; throws `.eventExists` if the id is taken.
    func createEvent(_ event: NewEvent, now: Int64) async throws -> Event
    /// Throws `.eventNotFound`.
    func event(id: String) async throws -> Event
    /// The event as last committed, from memory where the store keeps a copy (hot path).
    func currentEvent(id: String) async throws -> Event
    /// Applies an admin change; throws `.eventNotFound` or `.eventSoldOut`.
    func updateEvent(id: String, patch: EventPatch, now: Int64) async throws -> Event
    /// Records a batch of submissions in one transaction (group commit). Each
    /// result corresponds to the submission at the same index.
    func submit(_ batch: [Submission], now: Int64) async throws -> [SubmitResult]
    /// The entry with this token, or throws `.entryNotFound`. A successful call
    /// counts as the entrant's presence (a poll).
    func entry(token: String) async throws -> EntryView
    /// A live stream for the entry with this token opened or closed; while one is
    /// open its entrant counts as present. Unknown tokens are ignored.
    func streaming(token: String, open: Bool)
    /// Writes presence seen since the last call, coarsely, so it survives a restart.
    func persistPresence() async throws
    /// Signalled whenever entries have been decided (for live updates).
    var decisions: ChangeSignal { get }
    /// The user of entry `seq` of an event, if there is one.
    func user(event: String, seq: Int64) async throws -> String?
    /// Winners of an event with seq > `after`, in seq order.
    func winners(event: String, after: Int64, limit: Int) async throws -> [Winner]
    /// Every entry of an event with seq > `after`, in seq order, and the event.
    func auditEntries(event: String, after: Int64, limit: Int) async throws -> (Event, [AuditEntry])
    /// Every event, in creation order.
    func listEvents() async throws -> [Event]
    /// Events that have entries waiting for a decision.
    func eventsWithWaitingEntries() async throws -> [Event]
    /// Decides up to `limit` waiting entries of one event in seq order (one transaction).
    func award(event: String, limit: Int64, now: Int64) async throws -> AwardStep
}
