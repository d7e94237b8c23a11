import Foundation

/// Field rules shared by the API and the store.
public enum EventRules {
    /// Longest event name, in Unicode scalars.
    public static let maxNameLength = 200

    /// An event's display name, stored as sent: 1 to 200 Unicode scalars, not
    /// only White_Space.
    public static func checkName(_ name: String) throws {
        guard !name.isEmpty, !TextRules.exceeds(name, scalars: maxNameLength),
            name.unicodeScalars.contains(where: { !TextRules.isWhiteSpace($0) })
        else {
            throw FirstComeError.invalidRequest("'name' must be 1 to \(maxNameLength) characters (Unicode code points), not only spaces")
        }
    }

    public static let maxPrizes: Int64 = 1_000_000

    public static func checkPrizes(_ prizes: Int64) throws {
        guard (1...maxPrizes).contains(prizes) else { throw FirstComeError.invalidRequest("'prizes' must be between 1 and \(maxPrizes)") }
    }
    /// Longest beacon description and value, in Unicode scalars.
    public static let maxBeaconLength = 200
    public static let maxBeaconValueLength = 512

    /// The order settings of an event as they stand (at creation or after a
    /// change before the draw): a drawing order needs queue mode, a shuffle its
    /// `opens_at`, a lottery its `closes_at`; a pre-queue and a beacon belong to
    /// drawing orders, the pre-queue before `opens_at`.
    public static func checkOrder(
        _ order: EventOrder, mode: EventMode, opensAt: Int64?, closesAt: Int64?, closedAt: Int64? = nil, prequeueAt: Int64?,
        beacon: String?
    ) throws {
        if order.draws && mode != .queue {
            throw FirstComeError.invalidRequest("order '\(order.rawValue)' needs mode 'queue' (entries wait for the draw)")
        }
        if order == .shuffle && opensAt == nil {
            throw FirstComeError.invalidRequest("order 'shuffle' needs 'opens_at': the pre-queue is shuffled then")
        }
        if order == .lottery && closesAt == nil && closedAt == nil {
            throw FirstComeError.invalidRequest("order 'lottery' needs 'closes_at': the lottery is drawn then")
        }
        if let prequeueAt {
            guard order.draws else { throw FirstComeError.invalidRequest("'prequeue_at' needs 'order' shuffle or lottery") }
            guard let opensAt, prequeueAt < opensAt else {
                throw FirstComeError.invalidRequest("'prequeue_at' must be before 'opens_at'")
            }
        }
        if let beacon {
            guard order.draws else { throw FirstComeError.invalidRequest("'beacon' needs 'order' shuffle or lottery") }
            try checkBeaconText(beacon, field: "beacon", limit: maxBeaconLength)
        }
    }

    /// A beacon description or value: 1 to `limit` Unicode scalars, no control characters.
    public static func checkBeaconText(_ text: String, field: String, limit: Int) throws {
        guard !text.isEmpty, !TextRules.exceeds(text, scalars: limit),
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw FirstComeError.invalidRequest("'\(field)' must be 1 to \(limit) characters (Unicode code points) without control characters")
        }
    }
    /// A posted beacon value: a beacon text that is not blank and has no white
    /// space around it (a value is copied from its source as published: drand's
    /// randomness, say, is 64 hex digits). One slip here would fix the draw.
    public static func checkBeaconValue(_ value: String, beacon: String) throws {
        let scalars = value.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, !TextRules.isWhiteSpace(first), !TextRules.isWhiteSpace(last),
            scalars.contains(where: TextRules.isVisible)
        else {
            throw FirstComeError.invalidRequest(
                "'value' must be the value \(beacon) published, exactly as published: not blank, no spaces around it "
                    + "(drand's randomness, for example, is 64 hexadecimal digits)")
        }
        try checkBeaconText(value, field: "value", limit: maxBeaconValueLength)
    }

    /// The hardest proof-of-work an event may ask (about 67 million hashes on average).
    public static let maxPowBits: Int64 = 26

    public static func checkPowBits(_ bits: Int64) throws {
        guard (0...maxPowBits).contains(bits) else { throw FirstComeError.invalidRequest("'pow_bits' must be 0 to \(maxPowBits)") }
    }
    public static let maxUserLength = 128
    public static let maxPayloadBytes = 4096
    public static let maxPayloadDepth = 16

    /// Event ids are slugs: `[a-z0-9][a-z0-9-]{0,63}`.
    public static func checkID(_ id: String) throws {
        let bytes = Array(id.utf8)
        func allowed(_ byte: UInt8, first: Bool) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || (!first && byte == UInt8(ascii: "-"))
        }
        guard (1...64).contains(bytes.count), allowed(bytes[0], first: true),
            bytes.dropFirst().allSatisfy({ allowed($0, first: false) })
        else {
            throw FirstComeError.invalidRequest("'id' must match [a-z0-9][a-z0-9-]{0,63}")
        }
    }

    static func checkAdmitPerTick(_ value: Int64?) throws {
        if let value, value < 1 {
            throw FirstComeError.invalidRequest("'admit_per_tick' must be at least 1 (or null for no limit)")
        }
    }

    /// Longest presence timeout: a day.
    public static let maxPresenceTimeout: Int64 = 86_400

    static func checkPresenceTimeout(_ value: Int64?) throws {
        if let value, !(1...maxPresenceTimeout).contains(value) {
            throw FirstComeError.invalidRequest("'presence_timeout_s' must be between 1 and \(maxPresenceTimeout) (or null for no expiry)")
        }
    }

    /// Most Unicode scalars a name may have as sent, surrounding white space
    /// and all: the bound on what trimming and NFC are run on.
    public static let maxSentUserLength = 256

    /// How names are compared: surrounding White_Space is dropped and the rest
    /// is put in Unicode NFC, so "José" typed two ways and "ann " are one entrant
    /// each; case is kept ("Ann" and "ann" are two). Check what was sent with
    /// `checkSentUser` first: this costs time in proportion to its length.
    public static func normalizedUser(_ user: String) -> String {
        let utf8 = user.utf8
        // Fast path: printable ASCII without surrounding spaces is already normal.
        if let first = utf8.first, let last = utf8.last, first != 0x20, last != 0x20, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return user
        }
        return TextRules.nfc(TextRules.trimmed(user))
    }

    /// What an entrant sent as their name, before it is normalised: at most
    /// `maxSentUserLength` scalars, no run of more than
    /// `TextRules.maxNonStarterRun` combining marks.
    public static func checkSentUser(_ user: String) throws {
        guard !TextRules.exceeds(user, scalars: maxSentUserLength) else {
            throw FirstComeError.invalidRequest("'user' must be 1 to \(maxUserLength) characters (Unicode code points)")
        }
        if user.utf8.allSatisfy({ $0 < 0x80 }) { return }
        guard TextRules.longestNonStarterRun(user) <= TextRules.maxNonStarterRun else {
            throw FirstComeError.invalidRequest("'user' has more than \(TextRules.maxNonStarterRun) combining marks in a row")
        }
        guard TextRules.nfcLengthAtLeast(user) <= maxUserLength else {
            throw FirstComeError.invalidRequest("'user' must be 1 to \(maxUserLength) characters (Unicode code points)")
        }
    }

    /// The entrant id for a name as sent: checked (`checkSentUser`), normalised,
    /// and checked as stored (`checkUser`).
    public static func user(fromSent sent: String) throws -> String {
        try checkSentUser(sent)
        let user = normalizedUser(sent)
        try checkUser(user)
        return user
    }

    /// A name as stored: 1 to 128 Unicode scalars, no control characters, at
    /// least one visible character (`TextRules.isVisible`), no run of more than
    /// `TextRules.maxNonStarterRun` combining marks.
    public static func checkUser(_ user: String) throws {
        // Fast path: short printable ASCII with a visible character, the common case.
        let utf8 = user.utf8
        if !utf8.isEmpty && utf8.count <= maxUserLength && utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && utf8.contains(where: { $0 != 0x20 }) {
            return
        }
        guard !user.isEmpty, !TextRules.exceeds(user, scalars: maxUserLength) else {
            throw FirstComeError.invalidRequest("'user' must be 1 to \(maxUserLength) characters (Unicode code points)")
        }
        guard !user.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw FirstComeError.invalidRequest("'user' must not contain control characters")
        }
        guard user.unicodeScalars.contains(where: TextRules.isVisible) else {
            throw FirstComeError.invalidRequest("'user' must contain a visible character (a letter, digit, punctuation mark or symbol)")
        }
        guard TextRules.longestNonStarterRun(user) <= TextRules.maxNonStarterRun else {
            throw FirstComeError.invalidRequest("'user' has more than \(TextRules.maxNonStarterRun) combining marks in a row")
        }
    }
}
