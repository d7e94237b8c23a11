/// The answers every store gives from its in-memory board alone, written once:
/// the hot paths (polls, the live stream, the console) read them without a
/// database read, and the board follows the database on both backends.
extension EntryStore {
    /// The event as this node's memory has it now, without a database read; `nil`
    /// if it is not in memory (`currentEvent` then reads it).
    public func cachedEvent(id: String) -> Event? {
        board.event(id: id)
    }

    /// `entry(token:)` from this node's memory alone, counted as a poll the same
    /// way; `nil` where that would need a database read or throw.
    public func polledEntry(token: String) -> EntryView? {
        guard let (eventKey, seq) = tokens.verify(token) else { return nil }
        return board.view(eventKey: eventKey, seq: seq, token: token, seenAt: clock())
    }

    /// The entry with this token as this node's memory has it now, without a
    /// database read and without counting as a poll; `nil` if unknown here.
    public func knownEntry(token: String) -> EntryView? {
        guard let (eventKey, seq) = tokens.verify(token) else { return nil }
        return board.view(eventKey: eventKey, seq: seq, token: token)
    }

    /// A live stream for the entry with this token opened or closed; while one is
    /// open its entrant counts as present. Unknown tokens are ignored.
    public func streaming(token: String, open: Bool) {
        guard let (eventKey, seq) = tokens.verify(token) else { return }
        board.streaming(eventKey: eventKey, seq: seq, open: open, now: clock())
    }
}
