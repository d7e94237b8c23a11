/// A draw worked out from what a store read inside the transaction that holds
/// the event: the one place the seed, the order, the draw's time and its record
/// are made, for every store.
struct DrawPlan {
    let made: DrawMade
    /// The seqs in place order: element `p - 1` is the seq at place `p`.
    let order: [Int64]
    /// The control-log record of the draw.
    let record: String

    /// `drawn` is the highest seq created before the cutoff, `entryChain` its
    /// link (the genesis when 0), `lastCreated` its `created_at`.
    init(event: Event, cutoff: Int64, secret: [UInt8], drawn: Int64, entryChain: [UInt8], lastCreated: Int64?, now: Int64) {
        let beacon = event.beacon == nil ? nil : event.beaconValue
        let seed = DrawAlgorithm.seed(secret: secret, entryChain: entryChain, beacon: beacon)
        // Never dated before the entries it draws, whichever clock stamped them.
        let drawnAt = max(now, lastCreated ?? now)
        made = DrawMade(cutoff: cutoff, drawn: drawn, drawnAt: drawnAt)
        order = DrawAlgorithm.order(seed: seed, count: drawn)
        record = AuditRecords.draw(
            cutoff: cutoff, drawn: drawn, entryChain: entryChain, secret: secret, beacon: beacon, seed: seed, drawnAt: drawnAt)
    }
}
