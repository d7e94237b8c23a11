import Crypto
import Foundation
import Testing

@testable import FirstCome

/// The draw's permutation: a permutation, deterministic, uniform.
@Suite("Draw algorithm")
struct DrawAlgorithmTests {
    func seed(_ text: String) -> [UInt8] { Array(SHA256.hash(data: Array(text.utf8))) }

    @Test("every order is a permutation of 1...K, the same for the same seed, another for another seed")
    func permutation() {
        for count in [0, 1, 2, 3, 10, 1000] as [Int64] {
            let order = DrawAlgorithm.order(seed: seed("p\(count)"), count: count)
            #expect(order.sorted() == (count == 0 ? [] : Array(1...count)))
            #expect(order == DrawAlgorithm.order(seed: seed("p\(count)"), count: count))
        }
        #expect(DrawAlgorithm.order(seed: seed("a"), count: 1000) != DrawAlgorithm.order(seed: seed("b"), count: 1000))
    }

    @Test("the word stream is SHA-256(seed ‖ counter, 8 bytes big-endian), read as big-endian 64-bit words")
    func words() {
        let s = seed("w")
        var stream = DrawAlgorithm.WordStream(seed: s)
        var expected: [UInt64] = []
        for counter in 0..<2 as Range<UInt64> {
            let block = Array(SHA256.hash(data: s + withUnsafeBytes(of: counter.bigEndian) { Array($0) }))
            for word in 0..<4 { expected.append(block[word * 8..<word * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) }) }
        }
        #expect((0..<8).map { _ in stream.next() } == expected)
    }

    /// Chi-square statistic of `counts` against a uniform expectation.
    func chiSquare(_ counts: [Int]) -> Double {
        let expected = Double(counts.reduce(0, +)) / Double(counts.count)
        return counts.reduce(0) { $0 + pow(Double($1) - expected, 2) / expected }
    }

    @Test("over 24,000 draws of 4 entries each of the 24 orders comes about equally often (chi-square, fixed seeds)")
    func uniformOrders() {
        var counts: [[Int64]: Int] = [:]
        for index in 0..<24_000 { counts[DrawAlgorithm.order(seed: seed("uniform-\(index)"), count: 4), default: 0] += 1 }
        #expect(counts.count == 24)
        // 23 degrees of freedom: 49.73 is the 0.1% critical value.
        let statistic = chiSquare(Array(counts.values))
        #expect(statistic < 49.73, "chi-square \(statistic)")
    }

    @Test("over 20,000 draws of 10 entries each entry lands on each place about equally often (chi-square, fixed seeds)")
    func uniformPlaces() {
        var counts = Array(repeating: 0, count: 100)
        for index in 0..<20_000 {
            for (place, seq) in DrawAlgorithm.order(seed: seed("places-\(index)"), count: 10).enumerated() {
                counts[Int(seq - 1) * 10 + place] += 1
            }
        }
        // Each row of the 10x10 table: 9 degrees of freedom, 27.88 is the 0.1% critical value.
        for row in 0..<10 {
            let statistic = chiSquare(Array(counts[row * 10..<row * 10 + 10]))
            #expect(statistic < 27.88, "seq \(row + 1): chi-square \(statistic)")
        }
    }

    @Test("the naive shuffle (swap each place with any place) fails the same test: the test can fail")
    func biasedFails() {
        // 4^4 = 256 equally likely swap sequences cannot cover 24 orders evenly.
        var counts: [[Int64]: Int] = [:]
        for index in 0..<24_000 {
            var words = DrawAlgorithm.WordStream(seed: seed("uniform-\(index)"))
            var order: [Int64] = [1, 2, 3, 4]
            for place in 0..<4 { order.swapAt(place, Int(words.next() % 4)) }
            counts[order, default: 0] += 1
        }
        #expect(chiSquare(Array(counts.values)) > 49.73)
    }

    @Test("the seed is SHA-256(secret ‖ entry chain ‖ beacon value) and the commitment SHA-256(secret)")
    func seedAndCommitment() {
        let secret = [UInt8](repeating: 7, count: 32), chain = [UInt8](repeating: 9, count: 32)
        #expect(DrawAlgorithm.seed(secret: secret, entryChain: chain, beacon: nil) == Array(SHA256.hash(data: secret + chain)))
        #expect(DrawAlgorithm.seed(secret: secret, entryChain: chain, beacon: "r1") == Array(SHA256.hash(data: secret + chain + Array("r1".utf8))))
        #expect(DrawAlgorithm.commitment(secret: secret) == Array(SHA256.hash(data: secret)))
    }
}
