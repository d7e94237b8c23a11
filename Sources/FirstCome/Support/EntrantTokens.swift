import Crypto

/// Entrant tokens: the entry's event key and seq plus a 128-bit HMAC-SHA256 of
/// both under the database's secret key, base64url (32 characters). A token
/// proves itself without a lookup; one altered or made up fails the MAC.
public struct EntrantTokens: Sendable {
    /// HMAC state with the key already absorbed; copied for each token.
    private let keyed: HMAC<SHA256>
    /// The same key as two hash states, for the token's own MAC: it works on raw
    /// bytes, where `HMAC.update(data:)` goes through generic collection code.
    private let tokenMAC: KeyedSHA256

    public init(key: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
        tokenMAC = KeyedSHA256(key: key)
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
        let mac = bytes.withUnsafeBytes { tokenMAC.authenticationCode(for: $0) }
        mac.withUnsafeBytes { bytes.append(contentsOf: $0.prefix(16)) }
        return Base64URL.encode(bytes)
    }

    /// The event key and seq a genuine token names; `nil` for anything else.
    public func verify(_ token: some StringProtocol) -> (eventKey: Int64, seq: Int64)? {
        guard token.utf8.count == 32 else { return nil }
        // 32 characters are 24 bytes: 8 of header, 16 of MAC; decoded on the stack.
        var decoded = (UInt64(0), UInt64(0), UInt64(0))
        let valid = withUnsafeMutableBytes(of: &decoded) { bytes in
            token.utf8.withContiguousStorageIfAvailable { Base64URL.decode($0, into: bytes) }
                ?? Array(token.utf8).withUnsafeBufferPointer { Base64URL.decode($0, into: bytes) }
        }
        guard valid else { return nil }
        return withUnsafeBytes(of: &decoded) { bytes -> (eventKey: Int64, seq: Int64)? in
            let header = UnsafeRawBufferPointer(rebasing: bytes[0..<8])
            let expected = tokenMAC.authenticationCode(for: header)
            let difference = expected.withUnsafeBytes { mac in
                (0..<16).reduce(UInt8(0)) { $0 | (mac[$1] ^ bytes[8 + $1]) }
            }
            guard difference == 0 else { return nil }
            let eventKey = header[0..<3].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            let seq = header[3..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            return (eventKey, seq)
        }
    }

    /// 3 bytes of event key, 5 bytes of seq, big-endian.
    static func header(eventKey: Int64, seq: Int64) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(24)
        for shift in stride(from: 16, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: eventKey >> Int64(shift))) }
        for shift in stride(from: 32, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seq >> Int64(shift))) }
        return bytes
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
        let utf8 = Array(text.utf8)
        let length = utf8.count * 6 / 8
        var valid = false
        let out = [UInt8](unsafeUninitializedCapacity: length) { bytes, count in
            // The buffer may be larger than asked for: decode into exactly `length`.
            let target = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(bytes)[0..<length])
            valid = utf8.withUnsafeBufferPointer { decode($0, into: target) }
            count = valid ? length : 0
        }
        return valid ? out : nil
    }

    /// Decodes `text` into exactly `out.count` bytes; `false` if a character is
    /// not in the alphabet or the length does not match (no allocation).
    static func decode(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard text.count * 6 / 8 == out.count else { return false }
        return values.withUnsafeBufferPointer { table in
            var buffer: UInt32 = 0
            var bits = 0
            var written = 0
            for char in text {
                let value = table[Int(char)]
                guard value != 0xFF else { return false }
                buffer = buffer << 6 | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out[written] = UInt8(truncatingIfNeeded: buffer >> UInt32(bits))
                    written += 1
                }
            }
            return written == out.count
        }
    }

    /// Random bytes from the system CSPRNG, encoded; used for generated secrets.
    static func random(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return encode((0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// HMAC-SHA256 (RFC 2104) with the key absorbed once into an inner and an outer
/// hash state, on raw bytes; the same codes as `HMAC<SHA256>`.
struct KeyedSHA256: Sendable {
    private var inner = SHA256()
    private var outer = SHA256()

    init(key: [UInt8]) {
        var block = key.count > SHA256.blockByteCount ? Array(SHA256.hash(data: key)) : key
        block += [UInt8](repeating: 0, count: SHA256.blockByteCount - block.count)
        block.map { $0 ^ 0x36 }.withUnsafeBytes { inner.update(bufferPointer: $0) }
        block.map { $0 ^ 0x5c }.withUnsafeBytes { outer.update(bufferPointer: $0) }
    }

    func authenticationCode(for message: UnsafeRawBufferPointer) -> SHA256.Digest {
        var inner = inner
        inner.update(bufferPointer: message)
        var outer = outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }
}
