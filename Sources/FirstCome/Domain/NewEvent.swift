import Foundation

/// A new event as an admin asked for it, validated.
public struct NewEvent: Sendable, Equatable {
    public var id: String
    public var name: String
    public var prizes: Int64
    public var mode: EventMode
    public var admitPerTick: Int64?
    public var opensAt: Int64?
    public var closesAt: Int64?
    public var identity: IdentityRule?
    /// Seconds an entrant may be away before their entry expires at its turn; `nil` turns expiry off.
    public var presenceTimeout: Int64?
    /// Where decisions are pushed (not part of the event's audited rules).
    public var webhook: WebhookTarget?
    /// Leading zero bits of the proof-of-work asked of each submission; 0 = none.
    /// (Checked with `EventRules.checkPowBits` by whoever sets it.)
    public var powBits: Int64 = 0
    /// The order of the line, its pre-queue and beacon (checked with
    /// `EventRules.checkOrder` by whoever sets them).
    public var order: EventOrder = .fifo
    public var prequeueAt: Int64?
    public var beacon: String?
    /// What a winner's screen says about claiming (not part of the audited rules).
    public var claim: ClaimInstructions?

    /// Validates every field; throws `FirstComeError.invalidRequest` naming the first bad one.
    public init(
        id: String, name: String, prizes: Int64, mode: EventMode = .queue, admitPerTick: Int64? = nil,
        opensAt: Int64? = nil, closesAt: Int64? = nil, identity: IdentityRule? = nil, presenceTimeout: Int64? = nil
    ) throws {
        self.identity = identity
        try EventRules.checkPresenceTimeout(presenceTimeout)
        self.presenceTimeout = presenceTimeout
        try EventRules.checkID(id)
        try EventRules.checkName(name)
        try EventRules.checkPrizes(prizes)
        try EventRules.checkAdmitPerTick(admitPerTick)
        if let opensAt, let closesAt, closesAt <= opensAt {
            throw FirstComeError.invalidRequest("'closes_at' must be after 'opens_at'")
        }
        self.id = id
        self.name = name
        self.prizes = prizes
        self.mode = mode
        self.admitPerTick = admitPerTick
        self.opensAt = opensAt
        self.closesAt = closesAt
    }
}
