extension AuditEntry {
    /// An audit row as a store read it, with the status and decision time the
    /// award rule gives it (`Event.status(ofPlace:)`). `place` is from
    /// `Event.place(ofSeq:stored:)`.
    init(
        seq: Int64, user: String, createdAt: Int64, payload: String?, chain: [UInt8], won: Bool, place: Int64?, event: Event,
        expired: ExpiredSeqs, times: DecisionTimes
    ) {
        let status = event.status(ofPlace: place, expired: expired, won: won)
        self.init(
            seq: seq, user: user, status: status, createdAt: createdAt,
            decidedAt: status == .waiting ? nil : place.flatMap { times.decidedAt($0) }, payload: payload)
        self.chain = chain
        self.place = event.order.draws ? place : nil
    }
}

extension Event {
    /// The place of `seq` given the one stored on its row: the seq under fifo and
    /// for entries after the drawn ones; `nil` before the draw.
    public func place(ofSeq seq: Int64, stored: Int64?) -> Int64? {
        guard order.draws else { return seq }
        guard draw != nil else { return nil }
        return stored ?? seq
    }
}
