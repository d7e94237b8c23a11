import Synchronization

/// Versions for event copies written through one SQLite writer: each write
/// transaction takes the next stamp while it holds the writer, so stamps follow
/// commit order and the board can keep the newest copy whatever order the
/// committed tasks resume in.
final class CommitStamps: Sendable {
    private let last = Mutex<Int64>(0)

    func next() -> Int64 {
        last.withLock { value in
            value += 1
            return value
        }
    }
}
