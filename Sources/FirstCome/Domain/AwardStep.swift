/// What one scheduler step did for one event.
public struct AwardStep: Sendable, Equatable {
    public var event: String
    /// Seqs decided in this step (empty when nothing was waiting).
    public var decided: ClosedRange<Int64>?
    /// Entries that won in this step.
    public var won: Int64
    /// Seqs that expired in this step (their entrants had gone), ascending.
    public var expired: [Int64]
    /// Entries still waiting after the step.
    public var stillWaiting: Int64

    public init(event: String, decided: ClosedRange<Int64>?, won: Int64, expired: [Int64] = [], stillWaiting: Int64) {
        self.event = event
        self.decided = decided
        self.won = won
        self.expired = expired
        self.stillWaiting = stillWaiting
    }
}
