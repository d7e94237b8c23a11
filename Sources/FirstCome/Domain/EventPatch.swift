import Foundation

/// Changes an admin can make to a running event.
public struct EventPatch: Sendable, Equatable {
    /// Intake switch an admin can set.
    public enum Intake: String, Sendable {
        case open
        case closed
    }

    public var mode: EventMode?
    public var intake: Intake?
    /// A new display name.
    public var name: String?
    /// Pause (`true`) or resume (`false`) admissions.
    public var paused: Bool?
    /// `.some(nil)` removes the time; `nil` leaves it as it is.
    public var opensAt: Int64??
    public var closesAt: Int64??
    /// `.some(nil)` clears the limit; `nil` leaves it as it is.
    public var admitPerTick: Int64??
    /// `.some(nil)` turns presence expiry off; `nil` leaves it as it is.
    public var presenceTimeout: Int64??
    /// A new proof-of-work difficulty (0 turns it off).
    public var powBits: Int64?
    /// `.some(nil)` removes the pre-queue; `nil` leaves it as it is.
    public var prequeueAt: Int64??
    /// A corrected prize count, accepted only while the event has no entries.
    public var prizes: Int64?
    /// Archive (`true`, only a closed or sold-out event) or bring back (`false`).
    public var archived: Bool?
    /// New claim instructions (`.some(nil)` removes them); not recorded in the control log.
    public var claim: ClaimInstructions??

    public init(
        mode: EventMode? = nil, intake: Intake? = nil, admitPerTick: Int64?? = nil, presenceTimeout: Int64?? = nil,
        name: String? = nil, opensAt: Int64?? = nil, closesAt: Int64?? = nil, paused: Bool? = nil, powBits: Int64? = nil,
        prequeueAt: Int64?? = nil, prizes: Int64? = nil, archived: Bool? = nil, claim: ClaimInstructions?? = nil
    ) throws {
        if let prizes { try EventRules.checkPrizes(prizes) }
        if let powBits { try EventRules.checkPowBits(powBits) }
        if case .some(let limit) = admitPerTick { try EventRules.checkAdmitPerTick(limit) }
        if case .some(let timeout) = presenceTimeout { try EventRules.checkPresenceTimeout(timeout) }
        if let name { try EventRules.checkName(name) }
        guard mode != nil || intake != nil || admitPerTick != nil || presenceTimeout != nil || name != nil || opensAt != nil
            || closesAt != nil || paused != nil || powBits != nil || prequeueAt != nil || prizes != nil || archived != nil || claim != nil
        else {
            throw FirstComeError.invalidRequest(
                "give at least one of 'mode', 'state', 'admit_per_tick', 'presence_timeout_s', 'name', 'opens_at', 'closes_at', 'paused', 'pow_bits', 'prequeue_at', 'prizes', 'archived', 'claim', 'webhook'")
        }
        self.prizes = prizes
        self.archived = archived
        self.claim = claim
        self.prequeueAt = prequeueAt
        self.powBits = powBits
        self.paused = paused
        self.name = name
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.presenceTimeout = presenceTimeout
        self.mode = mode
        self.intake = intake
        self.admitPerTick = admitPerTick
    }
}
