import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The thread a `GroupCommitter` writes blocking batches on, named so that `ps`
/// and /proc show it.
enum CommitThread {
    /// The thread's name (15 bytes at most, as Linux keeps it).
    static let name = "firstcome-write"

    /// Names the calling thread. On Linux through /proc: Foundation's
    /// `Thread.name`, set this early, can miss (the thread may run before
    /// Foundation has recorded which pthread it is).
    static func nameCurrent() {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        _ = name.withCString { write(descriptor, $0, strlen($0)) }
        Glibc.close(descriptor)
        #else
        Thread.current.name = name
        #endif
    }

    /// The calling thread's id as /proc/self/task names it (Linux), or 0.
    static func currentID() -> Int32 {
        #if os(Linux)
        let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")
        return path.flatMap { Int32($0.split(separator: "/").last ?? "") } ?? 0
        #else
        return 0
        #endif
    }
}
