/// Every entry's chain link (its receipt) of one event, 32 bytes per seq, seq 1
/// first. Runs may arrive out of order (another task's batch, another node's
/// entries learnt later): unknown links stay zero until they are filled.
struct Receipts: Sendable {
    static let linkSize = 32
    private var bytes: [UInt8] = []
    /// Seqs 1...known all have their link.
    private(set) var known: Int64 = 0

    init(contiguous: [UInt8] = []) {
        bytes = contiguous
        known = Int64(contiguous.count / Self.linkSize)
    }

    /// Stores the links of `first`, `first + 1`, … (`links.count` a multiple of 32).
    mutating func fill(from first: Int64, _ links: [UInt8]) {
        guard first >= 1, !links.isEmpty else { return }
        let start = Int(first - 1) * Self.linkSize
        let end = start + links.count
        if bytes.count < end { bytes.append(contentsOf: repeatElement(0, count: end - bytes.count)) }
        bytes.replaceSubrange(start..<end, with: links)
        while Int(known) * Self.linkSize + Self.linkSize <= bytes.count, !isZero(at: Int(known) * Self.linkSize) { known += 1 }
    }

    /// The link of `seq` as 32 bytes in a value (no allocation), `nil` if unknown.
    func link(of seq: Int64) -> SIMD32<UInt8>? {
        let offset = Int(seq - 1) * Self.linkSize
        guard seq >= 1, offset + Self.linkSize <= bytes.count, !isZero(at: offset) else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: SIMD32<UInt8>.self) }
    }

    /// A link as lowercase hex.
    static func hex(_ link: SIMD32<UInt8>) -> String {
        String(unsafeUninitializedCapacity: linkSize * 2) { out in
            for index in 0..<linkSize {
                out[index * 2] = AuditRecords.hexDigits[Int(link[index] >> 4)]
                out[index * 2 + 1] = AuditRecords.hexDigits[Int(link[index] & 15)]
            }
            return linkSize * 2
        }
    }

    private func isZero(at offset: Int) -> Bool {
        var bits: UInt8 = 0
        for index in offset..<offset + Self.linkSize { bits |= bytes[index] }
        return bits == 0
    }
}
