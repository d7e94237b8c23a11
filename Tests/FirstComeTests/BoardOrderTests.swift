import Testing

@testable import FirstCome

@Suite("Event board merges commits in any order")
struct BoardOrderTests {
    func event(entries: Int64, serving: Int64, awarded: Int64, version: Int64, closedAt: Int64? = nil) -> Event {
        var event = Event(
            key: 1, id: "e", name: "E", prizes: 5, mode: .queue, admitPerTick: nil, opensAt: nil, closesAt: nil, closedAt: closedAt,
            entries: entries, serving: serving, awarded: awarded, createdAt: 0)
        event.version = version
        return event
    }

    @Test("an older copy resuming late does not undo a newer one")
    func olderCopyLosesToNewer() {
        let board = EventBoard(events: [event(entries: 0, serving: 0, awarded: 0, version: 0)])
        // The award (version 3) committed after the submit batch (version 2), but the
        // batch's task resumes last.
        board.update(event(entries: 10, serving: 10, awarded: 5, version: 3, closedAt: 42), decisions: [.init(lastSeq: 10, decidedAt: 500)])
        board.update(event(entries: 10, serving: 0, awarded: 0, version: 2))
        let copy = board.event(id: "e")!
        #expect(copy.serving == 10 && copy.awarded == 5 && copy.closedAt == 42 && copy.version == 3)
        #expect(board.view(eventKey: 1, seq: 3, token: "t")?.status == .won)
    }

    @Test("decisions learnt out of order keep their times per seq")
    func decisionsOutOfOrder() {
        let board = EventBoard(events: [event(entries: 30, serving: 0, awarded: 0, version: 0)])
        board.update(event(entries: 30, serving: 30, awarded: 5, version: 5), decisions: [.init(lastSeq: 30, decidedAt: 3000)])
        board.update(event(entries: 30, serving: 10, awarded: 5, version: 3), decisions: [.init(lastSeq: 10, decidedAt: 1000)])
        board.update(event(entries: 30, serving: 20, awarded: 5, version: 4), decisions: [.init(lastSeq: 20, decidedAt: 2000)])
        #expect(board.view(eventKey: 1, seq: 5, token: "t")?.decidedAt == 1000)
        #expect(board.view(eventKey: 1, seq: 15, token: "t")?.decidedAt == 2000)
        #expect(board.view(eventKey: 1, seq: 25, token: "t")?.decidedAt == 3000)
    }

    @Test("receipts filled out of order; a copy without its decisions does not move the decided counters")
    func receiptsAndIndecisiveCopies() {
        let board = EventBoard(events: [event(entries: 0, serving: 0, awarded: 0, version: 0)])
        board.update(event(entries: 3, serving: 0, awarded: 0, version: 2), receipts: [UInt8](repeating: 7, count: 64), receiptsFrom: 2)
        #expect(board.view(eventKey: 1, seq: 1, token: "t")?.receipt == "")
        board.update(event(entries: 3, serving: 0, awarded: 0, version: 2), receipts: [UInt8](repeating: 9, count: 32), receiptsFrom: 1)
        #expect(board.view(eventKey: 1, seq: 1, token: "t")?.receipt == String(repeating: "09", count: 32))
        #expect(board.view(eventKey: 1, seq: 3, token: "t")?.receipt == String(repeating: "07", count: 32))
        board.update(event(entries: 3, serving: 3, awarded: 3, version: 9), decisive: false)
        #expect(board.view(eventKey: 1, seq: 1, token: "t")?.status == .waiting)
    }
}
