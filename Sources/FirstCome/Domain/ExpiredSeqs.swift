/// The expired seqs of one event, ascending. Entries are decided in seq order, so
/// expirations only ever append; lookups are binary searches.
public struct ExpiredSeqs: Sendable, Equatable {
    public private(set) var seqs: [Int64]

    public init(_ seqs: [Int64] = []) {
        self.seqs = seqs.sorted()
    }

    public var isEmpty: Bool { seqs.isEmpty }

    /// Adds seqs in any order, keeping the list sorted and without repeats.
    public mutating func merge(_ more: [Int64]) {
        if seqs.last.map({ last in more.allSatisfy { $0 > last } }) ?? true, more == more.sorted() {
            seqs.append(contentsOf: more)
        } else {
            seqs = Array(Set(seqs).union(more)).sorted()
        }
    }

    /// The highest expired seq, 0 if none.
    public var last: Int64 { seqs.last ?? 0 }

    /// How many expired seqs are below `seq`.
    public func count(below seq: Int64) -> Int64 {
        var low = 0
        var high = seqs.count
        while low < high {
            let middle = (low + high) / 2
            if seqs[middle] < seq { low = middle + 1 } else { high = middle }
        }
        return Int64(low)
    }

    public func contains(_ seq: Int64) -> Bool {
        let index = Int(count(below: seq))
        return index < seqs.count && seqs[index] == seq
    }
}
