import Crypto

/// The canonical byte forms that the audit chain hashes. Anyone holding an export
/// can rebuild every hash from these rules (see docs/audit.md and docs/AUDIT.md):
///
/// - rules: `{"event":ID,"prizes":N,"mode":MODE,"created_at":MS}`
/// - genesis: SHA-256 of `firstcome/v1/genesis\n` followed by the rules
/// - entry: `{"seq":S,"user":U,"created_at":MS,"payload_sha256":HEX}` (HEX empty
///   without payload); its chain is SHA-256(previous chain ‖ entry), the
///   previous chain of seq 1 being the genesis
/// - control records (admin actions and decisions, in the order they happened),
///   chained the same way from the genesis:
///   `{"type":"action","at":MS,"action":{…}}` and
///   `{"type":"decision","first_seq":F,"last_seq":L,"won":W,"decided_at":MS,"entry_chain":HEX}`;
///   a decision that expired entries (presence expiry) carries their seqs,
///   ascending, after `won`: `…,"won":W,"expired":[S,…],"decided_at":…`
///
/// All JSON is compact, keys in the order shown, strings escaped as JSON does.
public enum AuditRecords {
    /// The rules; a drawing order adds `"order"` and `"seed_commitment"` (and
    /// `"beacon"` when one is named) before `created_at`.
    public static func rules(
        event: String, prizes: Int64, mode: EventMode, createdAt: Int64, order: EventOrder = .fifo, seedCommitment: String? = nil,
        beacon: String? = nil
    ) -> String {
        var object = JSONObject()
        object.string("event", event)
        object.integer("prizes", prizes)
        object.string("mode", mode.rawValue)
        if order.draws {
            object.string("order", order.rawValue)
            object.string("seed_commitment", seedCommitment ?? "")
            if let beacon { object.string("beacon", beacon) }
        }
        object.integer("created_at", createdAt)
        return object.json
    }

    /// The record of a draw: seqs `1...drawn` (created before `cutoff`) ordered by
    /// `DrawAlgorithm` from `seed` = SHA-256(secret ‖ entry chain of seq `drawn` ‖ beacon value).
    public static func draw(
        cutoff: Int64, drawn: Int64, entryChain: [UInt8], secret: [UInt8], beacon: String?, seed: [UInt8], drawnAt: Int64
    ) -> String {
        var object = JSONObject()
        object.string("type", "draw")
        object.string("algorithm", DrawAlgorithm.name)
        object.integer("cutoff", cutoff)
        object.integer("drawn", drawn)
        object.string("entry_chain", hex(entryChain))
        object.string("secret", hex(secret))
        if let beacon { object.string("beacon", beacon) }
        object.string("seed", hex(seed))
        object.integer("drawn_at", drawnAt)
        return object.json
    }

    public static func genesis(rules: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(("firstcome/v1/genesis\n" + rules).utf8)))
    }

    public static func entry(seq: Int64, user: String, createdAt: Int64, payloadDigest: String) -> String {
        entry(seq: seq, createdAt: createdAt, EntryParts(middle: entryMiddle(user: user), end: entryEnd(payloadDigest: payloadDigest)))
    }

    /// An entry record from its seq, its time and the parts that hold the rest.
    static func entry(seq: Int64, createdAt: Int64, _ parts: EntryParts) -> String {
        entryHead + String(seq) + parts.middle + String(createdAt) + parts.end
    }

    /// The parts of an entry record around its seq and time:
    /// `entryHead ‖ seq ‖ middle ‖ created_at ‖ end`.
    struct EntryParts: Sendable, Equatable {
        let middle: String
        let end: String
    }

    /// An entry record in parts, for a store that assigns seqs and times inside
    /// the database: `entryHead ‖ seq ‖ entryMiddle ‖ created_at ‖ entryEnd`.
    static let entryHead = #"{"seq":"#

    static func entryMiddle(user: String) -> String {
        #","user":"# + JSONText.quote(user) + #","created_at":"#
    }

    static func entryEnd(payloadDigest: String) -> String {
        #","payload_sha256":"# + JSONText.quote(payloadDigest) + "}"
    }

    public static func action(at: Int64, action: String) -> String {
        var object = JSONObject()
        object.string("type", "action")
        object.integer("at", at)
        object.raw("action", action)
        return object.json
    }

    /// A decision over seqs `first...last` (fifo) or, with `places`, over places.
    public static func decision(
        first: Int64, last: Int64, won: Int64, expired: [Int64] = [], decidedAt: Int64, entryChain: [UInt8], places: Bool = false
    ) -> String {
        var object = JSONObject()
        object.string("type", "decision")
        object.integer(places ? "first_place" : "first_seq", first)
        object.integer(places ? "last_place" : "last_seq", last)
        object.integer("won", won)
        if !expired.isEmpty { object.raw("expired", "[" + expired.map(String.init).joined(separator: ",") + "]") }
        object.integer("decided_at", decidedAt)
        object.string("entry_chain", hex(entryChain))
        return object.json
    }

    /// SHA-256 of the payload's stored compact text, hex; empty without payload.
    public static func payloadDigest(_ payload: String?) -> String {
        payload.map { hex(Array(SHA256.hash(data: Array($0.utf8)))) } ?? ""
    }

    /// The next link: SHA-256(previous ‖ record).
    public static func link(_ previous: [UInt8], _ record: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        var record = record
        // The record's UTF-8 in place, without a copy into an array.
        record.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return Array(hasher.finalize())
    }

    /// SHA-256 over `seq,user\n` of every winner in seq order, hex.
    public static func winnersDigest(_ winners: [(seq: Int64, user: String)]) -> String {
        var hasher = SHA256()
        for winner in winners { hasher.update(data: Array("\(winner.seq),\(winner.user)\n".utf8)) }
        return hex(Array(hasher.finalize()))
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    public static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension AuditRecords.EntryParts {
    /// The parts of a submission's record: its user and its payload's digest.
    init(user: String, payload: String?) {
        self.init(middle: AuditRecords.entryMiddle(user: user), end: AuditRecords.entryEnd(payloadDigest: AuditRecords.payloadDigest(payload)))
    }
}
