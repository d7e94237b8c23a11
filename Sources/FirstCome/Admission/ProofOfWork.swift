import Crypto
import Foundation

/// Proof-of-work at entry: a stateless, MAC-signed, short-lived challenge bound
/// to an event and a user; a submission carries a nonce such that
/// SHA-256(challenge ‖ nonce) (the UTF-8 bytes of both strings) starts with the
/// event's `pow_bits` zero bits. Checking costs one hash and one HMAC.
///
/// A challenge is base64url of: event key (3 bytes) ‖ expiry in unix seconds
/// (5 bytes) ‖ the first 8 bytes of SHA-256(user) ‖ 8 random bytes ‖ the first 16
/// bytes of HMAC-SHA256(key, all of the above), all big-endian.
public struct ProofOfWork: Sendable {
    let key: SymmetricKey
    /// How long a challenge can be used (seconds).
    public let lifetime: Int64

    /// How long a challenge lasts by default: long enough to solve the hardest puzzle in a slow browser.
    public static let defaultLifetime: Int64 = 600
    /// The longest nonce accepted (characters).
    public static let maxNonceLength = 64

    public init(key: SymmetricKey, lifetime: Int64 = ProofOfWork.defaultLifetime) {
        self.key = key
        self.lifetime = lifetime
    }

    /// A new challenge for `user` on the event with storage key `eventKey`, and when it expires (ms).
    public func challenge(eventKey: Int64, user: String, now: Int64) -> (challenge: String, expiresAt: Int64) {
        let expires = now / 1000 + lifetime
        var bytes = [UInt8]()
        bytes.reserveCapacity(40)
        for shift in stride(from: 16, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: eventKey >> Int64(shift))) }
        for shift in stride(from: 32, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: expires >> Int64(shift))) }
        bytes.append(contentsOf: Self.userTag(user))
        bytes.append(contentsOf: (0..<8).map { _ in UInt8.random(in: 0...255) })
        bytes.append(contentsOf: mac(bytes))
        return (Base64URL.encode(bytes), expires * 1000)
    }

    /// Throws the reason a proof is refused; returns when it is good.
    public func verify(challenge: String, nonce: String, eventKey: Int64, user: String, bits: Int64, now: Int64) throws {
        guard challenge.utf8.count == 54, let bytes = Base64URL.decode(challenge), bytes.count == 40 else {
            throw FirstComeError.proofInvalid("the challenge is not one this service made")
        }
        guard (1...Self.maxNonceLength).contains(nonce.utf8.count), nonce.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw FirstComeError.proofInvalid("the nonce must be 1 to \(Self.maxNonceLength) printable ASCII characters")
        }
        let body = Array(bytes[0..<24])
        let expected = mac(body)
        var difference: UInt8 = 0
        for index in 0..<16 { difference |= expected[index] ^ bytes[24 + index] }
        guard difference == 0 else { throw FirstComeError.proofInvalid("the challenge is not one this service made") }
        let key = body[0..<3].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard key == eventKey else { throw FirstComeError.proofInvalid("the challenge is for another event") }
        guard Array(body[8..<16]) == Self.userTag(user) else { throw FirstComeError.proofWrongUser }
        let expires = body[3..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard now / 1000 < expires else { throw FirstComeError.proofExpired }
        guard Self.leadingZeroBits(challenge: challenge, nonce: nonce) >= bits else {
            throw FirstComeError.proofInvalid("SHA-256(challenge + nonce) does not start with \(bits) zero bits")
        }
    }

    /// Leading zero bits of SHA-256(challenge ‖ nonce).
    public static func leadingZeroBits(challenge: String, nonce: String) -> Int64 {
        var hasher = SHA256()
        hasher.update(data: Array(challenge.utf8))
        hasher.update(data: Array(nonce.utf8))
        var count: Int64 = 0
        for byte in hasher.finalize() {
            if byte == 0 {
                count += 8
                continue
            }
            return count + Int64(byte.leadingZeroBitCount)
        }
        return count
    }

    /// The first nonce (decimal, counting from 0) that solves `challenge` with `bits` zero bits.
    public static func solve(challenge: String, bits: Int64) -> String {
        var counter = 0
        while leadingZeroBits(challenge: challenge, nonce: String(counter)) < bits { counter += 1 }
        return String(counter)
    }

    static func userTag(_ user: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(user.utf8)).prefix(8))
    }

    private func mac(_ bytes: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(16))
    }
}
