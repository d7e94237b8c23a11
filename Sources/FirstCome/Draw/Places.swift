/// Where each entry of one event stands in line: its place. Under fifo the place
/// is the seq; a draw gives seqs `1...drawn` random places and later seqs keep
/// place = seq. Before the draw of a drawing order no entry has a place.
public struct Places: Sendable, Equatable {
    /// Whether places are known (always for fifo; after the draw otherwise).
    public private(set) var known: Bool
    /// Place of seq `s` at index `s - 1`, for the drawn seqs.
    private var drawnPlaces: [UInt32]

    /// Places of an event: identity for fifo, unknown until the draw otherwise.
    public init(order: EventOrder) {
        known = !order.draws
        drawnPlaces = []
    }

    /// Places after a draw: `seqAtPlace[p - 1]` is the seq at place `p`.
    public init(seqAtPlace: [Int64]) {
        known = true
        drawnPlaces = Array(repeating: 0, count: seqAtPlace.count)
        for (index, seq) in seqAtPlace.enumerated() { drawnPlaces[Int(seq - 1)] = UInt32(index + 1) }
    }

    /// Places after a draw, from stored `(seq, place)` pairs of the drawn seqs.
    public init(drawn: Int64, pairs: [(seq: Int64, place: Int64)]) {
        known = true
        drawnPlaces = Array(repeating: 0, count: Int(drawn))
        for pair in pairs where pair.seq >= 1 && pair.seq <= drawn { drawnPlaces[Int(pair.seq - 1)] = UInt32(pair.place) }
    }

    /// How many seqs the draw placed.
    public var drawn: Int64 { Int64(drawnPlaces.count) }

    /// The place of `seq`, `nil` while places are not known.
    public func place(ofSeq seq: Int64) -> Int64? {
        guard known else { return nil }
        return seq <= drawnPlaces.count && seq >= 1 ? Int64(drawnPlaces[Int(seq - 1)]) : seq
    }
}
