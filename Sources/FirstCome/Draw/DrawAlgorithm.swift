import Crypto

/// The draw's randomness, written down byte by byte in docs/AUDIT.md so anyone
/// can recompute a draw: the seed from the committed secret, the entry chain and
/// the beacon, then a Fisher–Yates shuffle driven by SHA-256 in counter mode,
/// with rejection sampling so no place is likelier than another.
public enum DrawAlgorithm {
    /// The name recorded in every draw record.
    public static let name = "fisher-yates-sha256-v1"
    /// Bytes of the secret drawn at an event's creation.
    public static let secretSize = 32

    /// SHA-256(secret ‖ entry chain link ‖ UTF-8 beacon value), the beacon part only when given.
    public static func seed(secret: [UInt8], entryChain: [UInt8], beacon: String?) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: secret)
        hasher.update(data: entryChain)
        if let beacon { hasher.update(data: Array(beacon.utf8)) }
        return Array(hasher.finalize())
    }

    /// The public commitment to a secret: its SHA-256.
    public static func commitment(secret: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: secret))
    }

    /// The order of seqs `1...count` the seed gives: element `p - 1` is the seq at place `p`.
    public static func order(seed: [UInt8], count: Int64) -> [Int64] {
        guard count > 0 else { return [] }
        var order = Array(1...count)
        var words = WordStream(seed: seed)
        var index = Int(count) - 1
        while index >= 1 {
            let n = UInt64(index + 1)
            // Words at or above 2^64 - (2^64 mod n) would favour small picks: drawn again.
            // 2^64 mod n is (2^64 - n) mod n; when it is 0 every word is fair.
            let excess = (0 &- n) % n
            var word = words.next()
            if excess != 0 {
                let limit = 0 &- excess
                while word >= limit { word = words.next() }
            }
            let pick = Int(word % n)
            order.swapAt(index, pick)
            index -= 1
        }
        return order
    }

    /// Unsigned 64-bit big-endian words from SHA-256(seed ‖ counter as 8 bytes big-endian), counter 0, 1, 2, …
    struct WordStream {
        let seed: [UInt8]
        var counter: UInt64 = 0
        var block: [UInt8] = []
        var offset = 32

        init(seed: [UInt8]) { self.seed = seed }

        mutating func next() -> UInt64 {
            if offset == 32 {
                var hasher = SHA256()
                hasher.update(data: seed)
                hasher.update(data: withUnsafeBytes(of: counter.bigEndian) { Array($0) })
                block = Array(hasher.finalize())
                counter += 1
                offset = 0
            }
            var word: UInt64 = 0
            for byte in block[offset..<offset + 8] { word = word << 8 | UInt64(byte) }
            offset += 8
            return word
        }
    }
}
