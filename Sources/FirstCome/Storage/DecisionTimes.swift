/// When each decided seq of one event was decided: the decision steps, sorted by
/// their last seq, each covering the seqs after the previous one. Steps may be
/// learnt out of order; they are kept sorted and without repeats. Also measures
/// the admission rate from consecutive steps.
struct DecisionTimes: Sendable {
    struct Step: Sendable, Equatable {
        var lastSeq: Int64
        var decidedAt: Int64
    }

    /// Weight of the newest measurement in the admission-rate average.
    static let rateWeight = 0.3

    private(set) var steps: [Step] = []
    /// Entries decided per second, a moving average over consecutive steps;
    /// `nil` until two steps have been measured.
    private(set) var rate: Double?

    var lastSeq: Int64 { steps.last?.lastSeq ?? 0 }

    /// Adds a step; returns whether it was new.
    @discardableResult
    mutating func add(_ step: Step) -> Bool {
        let index = firstIndex(atLeast: step.lastSeq)
        if index < steps.count, steps[index].lastSeq == step.lastSeq { return false }
        if index == steps.count, let previous = steps.last, step.decidedAt > previous.decidedAt {
            let measured = Double(step.lastSeq - previous.lastSeq) * 1000 / Double(step.decidedAt - previous.decidedAt)
            rate = rate.map { Self.rateWeight * measured + (1 - Self.rateWeight) * $0 } ?? measured
        }
        steps.insert(step, at: index)
        return true
    }

    /// When `seq` was decided, if a known step covers it.
    func decidedAt(_ seq: Int64) -> Int64? {
        let index = firstIndex(atLeast: seq)
        return index < steps.count ? steps[index].decidedAt : nil
    }

    private func firstIndex(atLeast seq: Int64) -> Int {
        var low = 0
        var high = steps.count
        while low < high {
            let middle = (low + high) / 2
            if steps[middle].lastSeq < seq { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
