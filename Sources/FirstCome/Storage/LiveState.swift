/// A node's live state, written once for both backends: the board of events and
/// entries that follows the database (presence and the decision signal
/// included), the entrant tokens under the database's key, and the clock that
/// stamps presence. The hot paths (polls, the live stream, the console) answer
/// from it without a database read.
public struct LiveState: Sendable {
    public let board: EventBoard
    public let tokens: EntrantTokens
    public let clock: @Sendable () -> Int64

    /// Signalled whenever entries have been decided (for live updates).
    public var decisions: ChangeSignal { board.decided }

    /// The token of an entry, as its entrant received it.
    public func token(eventKey: Int64, seq: Int64) -> String {
        tokens.token(eventKey: eventKey, seq: seq)
    }

    /// The event as this node's memory has it now, without a database read; `nil`
    /// if it is not in memory (`EntryStore.liveEvent` then reads it).
    public func eventInMemory(id: String) -> Event? {
        board.event(id: id)
    }

    /// `EntryStore.entry(token:)` from this node's memory alone, counted as a poll
    /// the same way; `nil` where that would need a database read or throw.
    public func pollInMemory(token: String) -> EntryView? {
        guard let (eventKey, seq) = tokens.verify(token) else { return nil }
        return board.view(eventKey: eventKey, seq: seq, token: token, seenAt: clock())
    }

    /// The entry with this token as this node's memory has it now, without a
    /// database read and without counting as a poll; `nil` if unknown here.
    public func entryInMemory(token: String) -> EntryView? {
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

extension EntryStore {
    /// The parts of `live` the stores' own code reads.
    var board: EventBoard { live.board }
    var tokens: EntrantTokens { live.tokens }
    var clock: @Sendable () -> Int64 { live.clock }
}
