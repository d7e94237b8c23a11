import Foundation

extension AuditVerifier {
    /// Replays a draw record: the secret matches the rules' commitment, the
    /// drawn entries are exactly those created before the cutoff the settings
    /// give, the seed follows from secret, entry chain and beacon, and the
    /// places follow from the seed (`DrawAlgorithm`).
    mutating func readDraw(_ record: String, fields: [String: Any]) throws {
        let position = controlPosition
        func fail(_ message: String) -> Failure { Failure(message: "control log position \(position): \(message)") }
        func integer(_ key: String) -> Int64? { (fields[key] as? NSNumber)?.int64Value }
        guard order.draws else { throw fail("a draw in a first-come event") }
        guard !control.drawn else { throw fail("a second draw") }
        guard decided == 0 else { throw fail("a draw after decisions") }
        guard fields["algorithm"] as? String == DrawAlgorithm.name else { throw fail("an unknown draw algorithm") }
        guard let cutoff = integer("cutoff"), let drawn = integer("drawn"), let drawnAt = integer("drawn_at"),
            let chainHex = fields["entry_chain"] as? String, let secretHex = fields["secret"] as? String,
            let secret = Self.bytes(hex: secretHex), secret.count == DrawAlgorithm.secretSize, let seedHex = fields["seed"] as? String
        else { throw fail("malformed draw record") }
        let beaconValue = fields["beacon"] as? String
        guard (beacon == nil) == (beaconValue == nil) else {
            throw fail(beacon == nil ? "a beacon value for an event that names no beacon" : "no beacon value, but the rules name a beacon")
        }
        if let beaconValue {
            do { try EventRules.checkBeaconValue(beaconValue, beacon: beacon ?? "") } catch let error as FirstComeError {
                throw fail("the beacon value: \(error.message)")
            }
        }
        guard cutoff == control.settings.drawCutoff else {
            throw fail("the draw's cutoff \(cutoff) is not the one the event's settings give (\(control.settings.drawCutoff.map(String.init) ?? "none"))")
        }
        let expected = Int64((createdAt.lastIndex { $0 < cutoff } ?? -1) + 1)
        guard drawn == expected else { throw fail("the draw covers \(drawn) entries; \(expected) were created before its cutoff") }
        let entryChain = drawn == 0 ? genesis : Array(chains[Int(drawn - 1) * 32..<Int(drawn) * 32])
        guard AuditRecords.hex(entryChain) == chainHex else { throw fail("the draw was made over a different entry log") }
        guard AuditRecords.hex(DrawAlgorithm.commitment(secret: secret)) == seedCommitment else {
            throw fail("the secret does not match the seed commitment in the rules")
        }
        let seed = DrawAlgorithm.seed(secret: secret, entryChain: entryChain, beacon: beaconValue)
        guard AuditRecords.hex(seed) == seedHex else { throw fail("the seed does not follow from the secret, the entry chain and the beacon") }
        guard drawnAt >= cutoff, drawn == 0 || drawnAt >= createdAt[Int(drawn - 1)] else { throw fail("drawn before its cutoff or its entries") }
        let rebuilt = AuditRecords.draw(
            cutoff: cutoff, drawn: drawn, entryChain: entryChain, secret: secret, beacon: beaconValue, seed: seed, drawnAt: drawnAt)
        guard rebuilt.utf8.elementsEqual(record.utf8) else { throw fail("the draw record is not in canonical form") }
        places = Places(seqAtPlace: DrawAlgorithm.order(seed: seed, count: drawn))
        control.drew(DrawMade(cutoff: cutoff, drawn: drawn, drawnAt: drawnAt))
    }

    /// Lowercase hex to bytes; `nil` for anything else.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
