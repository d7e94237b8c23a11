import ServiceLifecycle

/// The narrow storage contract of firstcome. Each method that touches the
/// database is one transaction; `liveEvent` and `entry(token:)` answer from
/// an in-memory board that follows the database (they are on the hot path), and
/// `live` holds the getters that never read the database (`…InMemory`).
/// `SQLiteEntryStore` serves one process; `PostgresEntryStore` serves several
/// nodes sharing one database.
public protocol EntryStore: Sendable {
    /// Background work the store needs while a service runs on it (e.g. following
    /// other nodes' commits); added to the application's services.
    var services: [any Service] { get }
    /// Takes or renews the award scheduler's lease for `duration`; only the
    /// holder decides entries. A store that one process owns always holds it.
    func holdSchedulerLease(for duration: Duration) async throws -> Bool
    /// The admission signing keys, oldest first.
    func admissionKeys() async throws -> [StoredAdmissionKey]
    /// Stores `initial` if the database holds no admission key yet (first start,
    /// or keys carried over from an older key file); returns the stored keys.
    func ensureAdmissionKeys(_ initial: [StoredAdmissionKey]) async throws -> [StoredAdmissionKey]
    /// Adds `key` and retires every current key at `now`; drops keys retired
    /// before `dropRetiredBefore`. Returns the kids dropped.
    func rotateAdmissionKeys(adding key: StoredAdmissionKey, now: Int64, dropRetiredBefore: Int64) async throws -> [String]
    /// The node's live state, kept the same way by both stores: events, entries,
    /// presence and receipts in memory, following the database; entrant tokens
    /// under the database's key (the same on every node).
    var live: LiveState { get }
    /// The seq of `user`'s entry in an event, if any.
    func seq(event: String, user: String) async throws -> Int64?
    /// The control log of an event: position, record and chain link, in order.
    func controlLog(event: String) async throws -> [ControlRecord]
    /// Creates an event; throws `.eventExists` if the id is taken.
    func createEvent(_ event: NewEvent, now: Int64) async throws -> Event
    /// The event as the database has it now (every node's commits); throws `.eventNotFound`.
    func event(id: String) async throws -> Event
    /// The event as this node last saw it committed: from memory where the board
    /// holds it (other nodes' commits within a catch-up interval), else the database.
    func liveEvent(id: String) async throws -> Event
    /// Applies an admin change; throws `.eventNotFound` or `.eventSoldOut`.
    func updateEvent(id: String, patch: EventPatch, now: Int64) async throws -> Event
    /// Records a batch of submissions in one transaction (group commit). Each
    /// result corresponds to the submission at the same index.
    func submit(_ batch: [Submission], now: Int64) async throws -> [SubmitResult]
    /// The entry with this token, or throws `.entryNotFound`. A successful call
    /// counts as the entrant's presence (a poll).
    func entry(token: String) async throws -> EntryView
    /// Writes presence seen since the last call, coarsely, so it survives a restart.
    func persistPresence() async throws
    /// The user of entry `seq` of an event, if there is one.
    func user(event: String, seq: Int64) async throws -> String?
    /// Winners of an event with seq > `after`, in seq order.
    func winners(event: String, after: Int64, limit: Int) async throws -> [Winner]
    /// Every entry of an event with seq > `after`, in seq order, and the event.
    func auditEntries(event: String, after: Int64, limit: Int) async throws -> (Event, [AuditEntry])
    /// Every event, in creation order.
    func listEvents() async throws -> [Event]
    /// Events that have entries waiting for a decision (and, for a drawing order, their draw made).
    func eventsWithWaitingEntries() async throws -> [Event]
    /// Decides up to `limit` waiting entries of one event in place order (one transaction).
    func award(event: String, limit: Int64, now: Int64) async throws -> AwardStep
    /// Makes every draw due at `now` (`Event.drawDue`), each in the transaction
    /// that holds its event; returns the ids of the events drawn.
    func makeDueDraws(now: Int64) async throws -> [String]
    /// Records the beacon value an event's draw waits for (`Event.withBeacon`).
    func postBeacon(event: String, value: String, now: Int64) async throws -> Event

    /// Sets (or with `nil` removes) an event's webhook; throws `.eventNotFound`.
    func setWebhook(event: String, target: WebhookTarget?, now: Int64) async throws
    /// An event's webhook URL, delivery counts and its `recent` newest deliveries.
    func webhookStatus(event: String, recent: Int) async throws -> WebhookStatus
    /// Deliveries that may be sent at `now`: up to `perEvent` of each event's line,
    /// in order from its head, at most `limit` in all.
    func dueWebhooks(now: Int64, perEvent: Int, limit: Int) async throws -> [WebhookDelivery]
    /// Records attempts' results (outbox id and result), in one transaction.
    func recordWebhookAttempts(_ results: [(Int64, WebhookAttempt)]) async throws
    /// Queues an event's deliveries again: from outbox id `from` on, or (without
    /// it) the given-up ones. Returns how many.
    func redeliverWebhooks(event: String, from: Int64?, now: Int64) async throws -> Int
    /// Adds `event.closed` and `event.finished` for events that reached them by
    /// `now`; returns the number of deliveries pending over all events.
    func noteWebhookMilestones(now: Int64) async throws -> Int64
    /// An event's course per second, read from what the database keeps (one snapshot).
    func timeline(event: String) async throws -> EventTimeline
    /// Ends console session `id` (good until `expiresAt`) for every node, and
    /// forgets sessions that expired by `now`.
    func endConsoleSession(id: String, expiresAt: Int64, now: Int64) async throws
    /// Whether console session `id` was ended.
    func consoleSessionEnded(id: String) async throws -> Bool
}

/// One record of an event's control log.
public struct ControlRecord: Sendable, Equatable {
    public var position: Int64
    public var record: String
    public var chain: [UInt8]
}

/// An admission signing key as the database keeps it.
public struct StoredAdmissionKey: Sendable, Equatable, Codable {
    public var kid: String
    public var createdAt: Int64
    public var retiredAt: Int64?
    public var privateKeyPEM: String
}
