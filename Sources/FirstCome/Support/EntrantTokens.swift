import Crypto

/// Entrant tokens: the entry's event key and seq plus a 128-bit HMAC-SHA256 of
/// both under the database's secret key, base64url (32 characters). A token
/// proves itself without a lookup; one altered or made up fails the MAC.
public struct EntrantTokens: Sendable {
    /// HMAC state with the key already absorbed; copied for each token.
    private let keyed: HMAC<SHA256>

    public init(key: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
    }

    /// A key for another purpose, derived from the same secret (HMAC of `purpose`),
    /// so every node and every restart agree on it without storing another secret.
    public func derivedKey(_ purpose: String) -> SymmetricKey {
        var hmac = keyed
        hmac.update(data: Array(purpose.utf8))
        return SymmetricKey(data: Array(hmac.finalize()))
    }

    /// The token of entry `seq` of the event with storage key `eventKey`.
    public func token(eventKey: Int64, seq: Int64) -> String {
        var bytes = Self.header(eventKey: eventKey, seq: seq)
        bytes.append(contentsOf: mac(bytes))
        return Base64URL.encode(bytes)
    }

    /// The event key and seq a genuine token names; `nil` for anything else.
    public func verify(_ token: some StringProtocol) -> (eventKey: Int64, seq: Int64)? {
        guard token.utf8.count == 32, let bytes = Base64URL.decode(token), bytes.count == 24 else { return nil }
        let header = Array(bytes[0..<8])
        let expected = mac(header)
        var difference: UInt8 = 0
        for index in 0..<16 { difference |= expected[index] ^ bytes[8 + index] }
        guard difference == 0 else { return nil }
        let eventKey = header[0..<3].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let seq = header[3..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        return (eventKey, seq)
    }

    /// 3 bytes of event key, 5 bytes of seq, big-endian.
    static func header(eventKey: Int64, seq: Int64) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(24)
        for shift in stride(from: 16, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: eventKey >> Int64(shift))) }
        for shift in stride(from: 32, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seq >> Int64(shift))) }
        return bytes
    }

    private func mac(_ header: [UInt8]) -> [UInt8] {
        var hmac = keyed
        hmac.update(data: header)
        return Array(hmac.finalize().prefix(16))
    }

    /// Largest event key and seq a token can carry.
    public static let maxEventKey: Int64 = (1 << 24) - 1
    public static let maxSeq: Int64 = (1 << 40) - 1
}

/// Base64url without padding.
enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let rest = min(3, bytes.count - index)
            var value = UInt32(bytes[index]) << 16
            if rest > 1 { value |= UInt32(bytes[index + 1]) << 8 }
            if rest > 2 { value |= UInt32(bytes[index + 2]) }
            for position in 0...rest { out.append(alphabet[Int((value >> UInt32(18 - 6 * position)) & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for char in text.utf8 {
            let value = values[Int(char)]
            guard value != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }

    /// Random bytes from the system CSPRNG, encoded; used for generated secrets.
    static func random(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return encode((0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
