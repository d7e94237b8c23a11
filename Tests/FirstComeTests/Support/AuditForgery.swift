import Crypto
import Foundation

@testable import FirstCome

/// An audit export as a forger edits it, line by line: the tampering helpers of
/// scripts/audit-crosscheck (`rechain`, `edit_entry`, `redraw`, `undrawn`, …)
/// ported one for one, so each forged copy here is the one the script makes.
struct ForgedExport: Sendable {
    var lines: [String]

    /// The file: every line ended by a line feed.
    var text: String { lines.map { $0 + "\n" }.joined() }

    static func parse(_ text: String) throws -> JSONPairs {
        guard let object = try OrderedJSON.parse(text).object else { throw ForgeryError("not a JSON object: \(text.prefix(80))") }
        return object
    }

    /// The indexes of the lines of one type (`event`, `entry`, `control`, `heads`).
    func indexes(_ kind: String) throws -> [Int] {
        try lines.indices.filter { try Self.parse(lines[$0])["type"]?.string == kind }
    }

    /// The control lines' indexes with their parsed records.
    func records() throws -> [(index: Int, record: JSONPairs)] {
        try indexes("control").map { ($0, try Self.parse(try recordText($0))) }
    }

    /// The record text carried by control line `index`.
    func recordText(_ index: Int) throws -> String {
        try Self.parse(lines[index]).string("record")
    }

    mutating func editRecord(_ index: Int, _ text: String) throws {
        var line = try Self.parse(lines[index])
        line.set("record", .string(text))
        lines[index] = line.canonical
    }

    func firstDecision() throws -> (index: Int, record: JSONPairs) {
        guard let found = try records().first(where: { $0.record["type"]?.string == "decision" }) else { throw ForgeryError("no decision") }
        return found
    }

    func drawLine() throws -> (index: Int, record: JSONPairs) {
        guard let found = try records().first(where: { $0.record["type"]?.string == "draw" }) else { throw ForgeryError("no draw record") }
        return found
    }

    /// Sets one field of the entry line of `seq` (the seq-th entry line).
    mutating func editEntry(seq: Int64, _ key: String, _ value: OrderedJSON) throws {
        let index = try indexes("entry")[Int(seq) - 1]
        lines[index] = try Self.parse(lines[index]).with(key, value).canonical
    }

    /// The seq of the first entry line with this status.
    func seq(ofStatus status: String) throws -> Int64 {
        for index in try indexes("entry") {
            let line = try Self.parse(lines[index])
            if line["status"]?.string == status { return try line.int("seq") }
        }
        throw ForgeryError("no entry is \(status)")
    }

    mutating func editDraw(_ changes: KeyValuePairs<String, OrderedJSON>) throws {
        let found = try drawLine()
        var record = found.record
        for (key, value) in changes { record.set(key, value) }
        try editRecord(found.index, record.canonical)
    }

    /// Sets fields of the rules on the event line (the genesis is left to `rechain`).
    mutating func editRules(_ changes: KeyValuePairs<String, OrderedJSON>) throws {
        let line = try Self.parse(lines[0])
        var rules = try Self.parse(try line.string("rules"))
        for (key, value) in changes { rules.set(key, value) }
        lines[0] = line.with("rules", .string(rules.canonical)).canonical
    }

    /// The rules' fields as the event line gives them.
    func rules() throws -> JSONPairs {
        try Self.parse(try Self.parse(lines[0]).string("rules"))
    }

    /// Changes (or appends) fields of the create action, then drops those named in `drop`.
    mutating func editCreate(drop: [String] = [], _ changes: KeyValuePairs<String, OrderedJSON>) throws {
        guard let first = try records().first, var action = first.record["action"]?.object, var body = action["create"]?.object else {
            throw ForgeryError("the log does not start with a create action")
        }
        var record = first.record
        for (key, value) in changes {
            if !body.has(key) { body.append(key, value) }
            body.set(key, value)
        }
        for key in drop { body.remove(key) }
        action.set("create", .object(body))
        record.set("action", .object(action))
        try editRecord(first.index, record.canonical)
    }

    /// A field of the create action.
    func createField(_ key: String) throws -> OrderedJSON? {
        try records().first?.record["action"]?.object?["create"]?.object?[key]
    }

    /// Numbers the control lines 1, 2, … in their order.
    mutating func renumber() throws {
        for (position, index) in try indexes("control").enumerated() {
            lines[index] = try Self.parse(lines[index]).with("position", .integer(Int64(position + 1))).canonical
        }
    }

    /// chain(seq) as bytes, read from the export (the genesis for 0).
    func entryLink(seq: Int64) throws -> [UInt8] {
        if seq == 0 { return try Self.bytes(hex: try Self.parse(lines[0]).string("genesis")) }
        return try Self.bytes(hex: try Self.parse(lines[try indexes("entry")[Int(seq) - 1]]).string("chain"))
    }

    /// Gives every entry line the place a draw with this seed gives, and that
    /// place's status: the order a forger would write to go with a forged draw.
    mutating func redraw(seed: [UInt8], drawn: Int64) throws {
        let entryIndexes = try indexes("entry")
        let entries = try entryIndexes.map { try Self.parse(lines[$0]) }
        var statusAt: [Int64: OrderedJSON] = [:]
        for entry in entries { if let place = entry["place"]?.int { statusAt[place] = entry["status"] } }
        var placeOf: [Int64: Int64] = [:]
        for (index, seq) in DrawAlgorithm.order(seed: seed, count: drawn).enumerated() { placeOf[seq] = Int64(index + 1) }
        for (index, original) in zip(entryIndexes, entries) {
            var entry = original
            let seq = try entry.int("seq")
            let place = placeOf[seq] ?? seq
            guard let status = statusAt[place] else { throw ForgeryError("no entry line has place \(place)") }
            entry.set("place", .integer(place))
            entry.set("status", status)
            lines[index] = entry.canonical
        }
    }

    /// After a change that moves the entry links (the rules, so the genesis): the
    /// links rebuilt, then the seed from the secret and the new chain(K), and the
    /// places to match, as a forger who knows the secret would write them.
    mutating func reseed() throws {
        try rechain()
        let (_, record) = try drawLine()
        let drawn = try record.int("drawn")
        let seed = Self.drawSeed(
            secret: try Self.bytes(hex: try record.string("secret")), entryLink: try entryLink(seq: drawn), beacon: record["beacon"]?.string)
        try editDraw(["seed": .string(Self.hex(seed))])
        try redraw(seed: seed, drawn: drawn)
    }

    /// The export of a drawn event as it was before its draw: the entries made
    /// before the cutoff, waiting and without places; the control log without
    /// the draw and the decisions; every hash rebuilt.
    func undrawn() throws -> ForgedExport {
        let drawn = try drawLine().record.int("drawn")
        var out = ForgedExport(lines: [])
        var position: Int64 = 0
        for line in lines {
            var object = try Self.parse(line)
            switch object["type"]?.string {
            case "entry":
                if try object.int("seq") > drawn { continue }
                object.remove("place")
                object.set("status", "waiting")
            case "control":
                if try Self.parse(try object.string("record"))["type"]?.string != "action" { continue }
                position += 1
                object.set("position", .integer(position))
            default:
                break
            }
            out.lines.append(object.canonical)
        }
        try out.rechain()
        return out
    }

    /// The draw record's `drawn` (0 when there is none).
    func drawnCount() -> Int64 {
        for line in lines {
            guard let object = try? Self.parse(line), object["type"]?.string == "control", let record = object["record"]?.string,
                record.containsText(#""type":"draw""#)
            else { continue }
            return (try? Self.parse(record))?["drawn"]?.int ?? 0
        }
        return 0
    }

    /// Recomputes rules→genesis, every entry link, decisions' and the draw's
    /// entry_chain, every control link and the heads: a forger's full re-hash
    /// (the draw's seed and the places are left to each case), as the script's `rechain`.
    mutating func rechain() throws {
        var out: [String] = []
        var links: [Int64: [UInt8]] = [:]
        var head: [UInt8] = []
        var control: [UInt8] = []
        var count: Int64 = 0
        let drawn = drawnCount()
        for line in lines {
            var object = try Self.parse(line)
            switch object["type"]?.string {
            case "event":
                let genesis = Self.sha256(Array("firstcome/v1/genesis\n".utf8) + Array(try object.string("rules").utf8))
                object.set("genesis", .string(Self.hex(genesis)))
                head = genesis
                control = genesis
                links[0] = genesis
            case "entry":
                let entry = JSONPairs(items: ["seq", "user", "created_at", "payload_sha256"].map { .init(key: $0, value: object[$0] ?? .null) })
                head = Self.link(head, entry.canonical)
                if let seq = object["seq"]?.int { links[seq] = head }
                object.set("chain", .string(Self.hex(head)))
                count += 1
            case "control":
                var record = try object.string("record")
                if let fields = try? Self.parse(record) {
                    let kind = fields["type"]?.string
                    var target: Int64?
                    if kind == "decision", let last = fields["last_seq"]?.int, links[last] != nil {
                        target = last
                    } else if kind == "decision", let last = fields["last_place"]?.int, links[max(last, drawn)] != nil {
                        target = max(last, drawn)
                    } else if kind == "draw", let drawnSeqs = fields["drawn"]?.int, links[drawnSeqs] != nil {
                        target = drawnSeqs
                    }
                    if let target, let link = links[target] {
                        // The hex replaced in place, so a record's odd layout survives.
                        record = record.replacingText(try fields.string("entry_chain"), with: Self.hex(link))
                        object.set("record", .string(record))
                    }
                }
                control = Self.link(control, record)
                object.set("chain", .string(Self.hex(control)))
            case "heads":
                object.set("entries", .integer(count))
                object.set("head", .string(Self.hex(head)))
                object.set("control_head", .string(Self.hex(control)))
            default:
                break
            }
            out.append(object.canonical)
        }
        lines = out
    }

    // The hashes of docs/AUDIT.md, written here from the document.

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// SHA-256(previous ‖ UTF-8 of the record).
    static func link(_ previous: [UInt8], _ record: String) -> [UInt8] { sha256(previous + Array(record.utf8)) }

    /// SHA-256(secret ‖ chain(K) ‖ UTF-8 beacon value, when there is one).
    static func drawSeed(secret: [UInt8], entryLink: [UInt8], beacon: String?) -> [UInt8] {
        sha256(secret + entryLink + Array((beacon ?? "").utf8))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    static func bytes(hex: String) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw ForgeryError("odd hex \(hex)") }
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { throw ForgeryError("bad hex \(hex)") }
            return byte
        }
    }
}

extension String {
    /// Every occurrence of `old` replaced by `new`, compared code point by code
    /// point (as Python's `str.replace`, not by characters).
    func replacingText(_ old: String, with new: String) -> String {
        let bytes = Array(utf8)
        let needle = Array(old.utf8)
        guard !needle.isEmpty, bytes.count >= needle.count else { return self }
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if index + needle.count <= bytes.count, bytes[index..<index + needle.count].elementsEqual(needle) {
                out += Array(new.utf8)
                index += needle.count
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether the UTF-8 of `other` appears in this text.
    func containsText(_ other: String) -> Bool {
        Array(utf8).firstRange(of: Array(other.utf8)) != nil
    }
}
