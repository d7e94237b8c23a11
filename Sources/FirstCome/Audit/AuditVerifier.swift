import Foundation

/// Replays an event's audit log (the lines of `AuditExport`): rebuilds every chain
/// link, checks that seqs are gapless, that each decision follows the award rule
/// (prizes strictly in seq order to entries that did not expire; expirations only
/// while prizes remain) and that every entry's status is the one the rule gives. Stops at the first problem, naming the seq (or control position).
public struct AuditVerifier {
    /// What a clean log adds up to.
    public struct Report: Sendable, Equatable {
        public var event: String
        public var entries: Int64
        public var winners: Int64
        public var lost: Int64
        public var expired: Int64
        public var waiting: Int64
        public var head: String
        public var controlHead: String
        public var winnersDigest: String
        /// The rules text of the event line, for comparison with a commitment's.
        public var rules: String = ""
        /// A shuffle's or lottery's replayed draw: how many entries it ordered
        /// (their places all matched); `nil` for fifo or before the draw.
        public var drawn: Int64?
    }

    /// Events created from this time on (2026-11-22T00:00:00Z, when the audit
    /// chain began) have a create action at position 1: only an older event's
    /// log may lack it (docs/AUDIT.md §6.2).
    public static let createRequiredFrom: Int64 = 1_795_305_600_000

    /// The first problem found.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var seq: Int64?
        public var message: String
        public var description: String { seq.map { "seq \($0): \(message)" } ?? message }

        public init(seq: Int64? = nil, message: String) {
            self.seq = seq
            self.message = message
        }
    }

    var event = ""
    var prizes: Int64 = 0
    var genesis: [UInt8] = []
    var entryHead: [UInt8] = []
    var chains: [UInt8] = []
    var statuses: [EntryStatus] = []
    var users: [String] = []
    var seqOfUser: [String: Int64] = [:]
    var createdAt: [Int64] = []
    var eventName: String?
    var control = AuditControlReplay()
    /// The status the decisions give each decided seq, seq 1 first.
    var decidedStatuses: [EntryStatus] = []
    var controlHead: [UInt8] = []
    var controlPosition: Int64 = 0
    var decided: Int64 = 0
    var won: Int64 = 0
    var lastDecisionTime: Int64 = .min
    var finished = false
    /// The rules' order, commitment and beacon; the places given by the draw once replayed.
    var order = EventOrder.fifo
    var seedCommitment = ""
    var beacon: String?
    var places: Places?
    /// The `place` field of each entry line, seq 1 first.
    var linePlaces: [Int64?] = []
    /// The rules' text and `created_at`.
    var rules = ""
    var rulesCreatedAt: Int64 = 0

    public init() {}

    /// Feeds one line of the export.
    public mutating func consume(_ line: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let type = object["type"] as? String else {
            throw Failure(message: "not a line of a firstcome audit export: \(line.prefix(80))")
        }
        guard !finished else { throw Failure(message: "data after the heads line") }
        switch type {
        case "event": try readEvent(object)
        case "entry":
            guard controlPosition == 0 else { throw Failure(message: "an entry line comes after the control log") }
            try readEntry(object)
        case "control": try readControl(object)
        case "heads": try readHeads(object)
        default: throw Failure(message: "unknown line type '\(type)'")
        }
        guard let rebuilt = Self.rebuild(type, object), rebuilt.utf8.elementsEqual(line.utf8) else {
            throw Failure(message: "a \(type) line is not in canonical form (field order, spelling or extra fields): \(line.prefix(80))")
        }
    }

    /// The line the export writes for these fields; `nil` when a field is missing.
    static func rebuild(_ type: String, _ object: [String: Any]) -> String? {
        func integer(_ key: String) -> Int64? { (object[key] as? NSNumber)?.int64Value }
        func string(_ key: String) -> String? { object[key] as? String }
        switch type {
        case "event":
            guard let event = string("event"), let name = string("name"), let rules = string("rules"), let genesis = string("genesis") else { return nil }
            return AuditExport.eventLine(event: event, name: name, rules: rules, genesis: genesis)
        case "entry":
            guard let seq = integer("seq"), let user = string("user"), let createdAt = integer("created_at"),
                let digest = string("payload_sha256"), let status = string("status"), let chain = string("chain")
            else { return nil }
            return AuditExport.entryLine(
                seq: seq, user: user, createdAt: createdAt, payloadDigest: digest, status: status, place: integer("place"), chain: chain,
                payload: string("payload"))
        case "control":
            guard let position = integer("position"), let record = string("record"), let chain = string("chain") else { return nil }
            return AuditExport.controlLine(position: position, record: record, chain: chain)
        case "heads":
            guard let entries = integer("entries"), let head = string("head"), let controlHead = string("control_head") else { return nil }
            return AuditExport.headsLine(entries: entries, head: head, controlHead: controlHead)
        default:
            return nil
        }
    }

    /// Checks every status against the replayed decisions; returns the summary.
    public func finish() throws -> Report {
        guard finished else { throw Failure(message: "the log is truncated: no heads line") }
        if control.name == nil && rulesCreatedAt >= Self.createRequiredFrom {
            throw Failure(message: "the control log does not start with a create action (required of every event created since the audit chain began)")
        }
        if let name = control.name, eventName != name {
            throw Failure(message: "the event line names the event '\(eventName ?? "")' but its control log says '\(name)'")
        }
        if control.name != nil {
            // Every stored name keeps the name rules; without an identity rule it is also trimmed and in NFC.
            for (index, user) in users.enumerated() {
                do {
                    try EventRules.checkUser(user)
                } catch let error as FirstComeError {
                    throw Failure(seq: Int64(index + 1), message: "the user is not as the service stores names: \(error.message)")
                }
                if control.identity == false && !EventRules.normalizedUser(user).utf8.elementsEqual(user.utf8) {
                    throw Failure(seq: Int64(index + 1), message: "the user is not as the service stores names (trimmed, NFC)")
                }
            }
        }
        var counts: [EntryStatus: Int64] = [:]
        var winners: [(seq: Int64, user: String)] = []
        if order.draws && control.name == nil {
            throw Failure(message: "a \(order.rawValue) event's control log has no create action")
        }
        for (index, status) in statuses.enumerated() {
            let seq = Int64(index + 1)
            let place = order.draws ? places?.place(ofSeq: seq) : seq
            if order.draws && linePlaces[index] != place {
                throw Failure(
                    seq: seq,
                    message: place == nil ? "the entry line has a place but no draw gave one" : "the entry line gives place \(linePlaces[index].map(String.init) ?? "none"); the draw gives \(place!)")
            }
            let expected = place.flatMap { $0 <= Int64(decidedStatuses.count) ? decidedStatuses[Int($0 - 1)] : nil } ?? .waiting
            guard status == expected else {
                throw Failure(seq: seq, message: "status is \(status.rawValue) but the award rule gives \(expected.rawValue)")
            }
            counts[status, default: 0] += 1
            if status == .won { winners.append((seq, users[index])) }
        }
        return Report(
            event: event, entries: Int64(statuses.count), winners: won, lost: counts[.lost] ?? 0, expired: counts[.expired] ?? 0,
            waiting: counts[.waiting] ?? 0,
            head: AuditRecords.hex(entryHead), controlHead: AuditRecords.hex(controlHead),
            winnersDigest: AuditRecords.winnersDigest(winners), rules: rules, drawn: places?.drawn)
    }

    private mutating func readEvent(_ object: [String: Any]) throws {
        guard genesis.isEmpty, let rules = object["rules"] as? String, let given = object["genesis"] as? String,
            let fields = try? JSONSerialization.jsonObject(with: Data(rules.utf8)) as? [String: Any],
            let id = fields["event"] as? String, let prizes = (fields["prizes"] as? NSNumber)?.int64Value,
            let modeName = fields["mode"] as? String, let mode = EventMode(rawValue: modeName),
            let createdAt = (fields["created_at"] as? NSNumber)?.int64Value
        else { throw Failure(message: "the event line is missing or malformed") }
        let orderName = fields["order"] as? String ?? EventOrder.fifo.rawValue
        guard let order = EventOrder(rawValue: orderName), order.draws == (fields["order"] != nil) else {
            throw Failure(message: "the rules name an unknown order '\(orderName)'")
        }
        self.order = order
        seedCommitment = fields["seed_commitment"] as? String ?? ""
        beacon = fields["beacon"] as? String
        guard
            AuditRecords.rules(
                event: id, prizes: prizes, mode: mode, createdAt: createdAt, order: order, seedCommitment: seedCommitment, beacon: beacon
            ).utf8.elementsEqual(rules.utf8)
        else {
            throw Failure(message: "the rules are not in canonical form")
        }
        if order.draws {
            guard seedCommitment.utf8.count == 64, Self.bytes(hex: seedCommitment) != nil else {
                throw Failure(message: "the rules' seed commitment is not 64 lowercase hex digits")
            }
            guard mode == .queue else { throw Failure(message: "the rules give order '\(order.rawValue)' with mode '\(mode.rawValue)'") }
            if let beacon {
                do { try EventRules.checkBeaconText(beacon, field: "beacon", limit: EventRules.maxBeaconLength) } catch let error as FirstComeError {
                    throw Failure(message: "the rules' beacon: \(error.message)")
                }
            }
        }
        guard object["event"] as? String == id else {
            throw Failure(message: "the event line names the event '\(object["event"] as? String ?? "")' but its rules say '\(id)'")
        }
        control.start(event: id, prizes: prizes, order: order, mode: mode, beacon: beacon, createdAt: createdAt)
        rulesCreatedAt = createdAt
        self.rules = rules
        guard (1...EventRules.maxPrizes).contains(prizes) else { throw Failure(message: "the rules give \(prizes) prizes") }
        eventName = object["name"] as? String
        let computed = AuditRecords.genesis(rules: rules)
        guard AuditRecords.hex(computed) == given else { throw Failure(message: "the genesis does not match the rules") }
        event = id
        self.prizes = prizes
        genesis = computed
        entryHead = computed
        controlHead = computed
    }

    private mutating func readEntry(_ object: [String: Any]) throws {
        guard !genesis.isEmpty else { throw Failure(message: "an entry comes before the event line") }
        let expected = Int64(statuses.count + 1)
        guard let seq = (object["seq"] as? NSNumber)?.int64Value else { throw Failure(seq: expected, message: "entry without seq") }
        guard seq == expected else {
            throw Failure(seq: expected, message: seq > expected ? "missing (the next entry has seq \(seq))" : "seq \(seq) repeats or is out of order")
        }
        guard let user = object["user"] as? String, let createdAt = (object["created_at"] as? NSNumber)?.int64Value,
            let digest = object["payload_sha256"] as? String, let chain = object["chain"] as? String,
            let statusName = object["status"] as? String, let status = EntryStatus(rawValue: statusName)
        else { throw Failure(seq: seq, message: "malformed entry") }
        guard !user.isEmpty else { throw Failure(seq: seq, message: "the user is empty") }
        if let earlier = seqOfUser.updateValue(seq, forKey: user) {
            throw Failure(seq: seq, message: "the user already has seq \(earlier); one entry per user")
        }
        guard digest.isEmpty || (digest.utf8.count == 64 && Self.bytes(hex: digest) != nil) else {
            throw Failure(seq: seq, message: "the payload digest is neither empty nor 64 lowercase hex digits")
        }
        if let payload = object["payload"] as? String, AuditRecords.payloadDigest(payload) != digest {
            throw Failure(seq: seq, message: "the payload does not match its digest")
        }
        let link = AuditRecords.link(entryHead, AuditRecords.entry(seq: seq, user: user, createdAt: createdAt, payloadDigest: digest))
        guard AuditRecords.hex(link) == chain else {
            throw Failure(seq: seq, message: "the chain does not match: the entry or one before it was changed")
        }
        entryHead = link
        chains.append(contentsOf: link)
        statuses.append(status)
        linePlaces.append((object["place"] as? NSNumber)?.int64Value)
        if !order.draws && object["place"] != nil { throw Failure(seq: seq, message: "a first-come entry has no place field") }
        users.append(user)
        self.createdAt.append(createdAt)
    }

    private mutating func readControl(_ object: [String: Any]) throws {
        guard !genesis.isEmpty else { throw Failure(message: "a control record comes before the event line") }
        controlPosition += 1
        guard (object["position"] as? NSNumber)?.int64Value == controlPosition, let record = object["record"] as? String,
            let chain = object["chain"] as? String
        else { throw Failure(message: "control log position \(controlPosition) is missing or malformed") }
        let link = AuditRecords.link(controlHead, record)
        guard AuditRecords.hex(link) == chain else {
            throw Failure(message: "control log position \(controlPosition): the chain does not match (a record was changed)")
        }
        controlHead = link
        guard let fields = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any] else {
            throw Failure(message: "control log position \(controlPosition): the record is not JSON")
        }
        switch fields["type"] as? String {
        case "action":
            try control.action(record, fields: fields, position: controlPosition)
            return
        case "draw":
            try readDraw(record, fields: fields)
            return
        case "decision":
            try readDecision(record, fields: fields)
        default:
            throw Failure(message: "control log position \(controlPosition): unknown record type")
        }
    }

    private mutating func readHeads(_ object: [String: Any]) throws {
        guard (object["entries"] as? NSNumber)?.int64Value == Int64(statuses.count) else {
            throw Failure(seq: Int64(statuses.count + 1), message: "the log ends before its last entry")
        }
        guard object["head"] as? String == AuditRecords.hex(entryHead) else { throw Failure(message: "the entry head does not match") }
        guard object["control_head"] as? String == AuditRecords.hex(controlHead) else {
            throw Failure(message: "the control log head does not match")
        }
        finished = true
    }
}
