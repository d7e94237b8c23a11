/// How an event orders its entries for the award rule.
public enum EventOrder: String, Codable, Sendable, CaseIterable {
    /// First come, first served: an entry's place is its seq.
    case fifo
    /// Entries made in the pre-queue (before `opens_at`) get a random place at
    /// opening; later ones join behind them in arrival order.
    case shuffle
    /// Every entry made before the close gets a random place, drawn at the close.
    case lottery

    /// Whether this order has a draw.
    public var draws: Bool { self != .fifo }
}
