/// What a waiting entrant with a place can expect, from one reading of the line:
/// whether the prizes will likely be gone before their turn, and the progress
/// toward their result. The page's script applies the same rule to live updates.
struct EntryOutlook: Equatable {
    /// At least as many entries wait ahead as prizes are left: the result comes with
    /// the last prize, and is a loss unless enough of those ahead are skipped.
    var prizesGoneFirst: Bool
    /// Progress toward the result: the prizes given (of all) when they will likely
    /// be gone first, since that is when the result comes; else the line decided up to this place.
    var progressValue: Int64
    var progressMax: Int64

    init(place: Int64, position: Int64, serving: Int64, remaining: Int64, prizes: Int64) {
        prizesGoneFirst = position > 0 && position >= remaining
        if prizesGoneFirst {
            progressMax = max(prizes, 1)
            progressValue = min(max(prizes - remaining, 0), progressMax)
        } else {
            progressMax = place
            progressValue = min(serving, place)
        }
    }
}
