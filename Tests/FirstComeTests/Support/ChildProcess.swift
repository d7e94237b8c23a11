import Foundation
import Glibc

/// A child process started with `posix_spawn`, for the tests.
///
/// Foundation's `Process.run()` on this toolchain scans `/proc/self/fd` in a way
/// that can read past the end of a buffer and crash the test process
/// (swift-corelibs-foundation, `findMaximumOpenFromProcSelfFD`); this starts the
/// child without it. The child gets the parent's environment plus `environment`,
/// stdin from /dev/null, and stdout and stderr as pipes or /dev/null; every other
/// descriptor is closed in the child, so a child never holds another one's pipe open.
final class ChildProcess: @unchecked Sendable {
    /// Where one of the child's output streams goes.
    enum Output { case pipe, discard }

    let pid: pid_t
    /// The read ends of the child's stdout and stderr (when piped).
    let standardOutput: FileHandle?
    let standardError: FileHandle?
    private let state = NSLock()
    private var status: Int32?

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdout: Output = .pipe, stderr: Output = .pipe) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        defer { childEnds.forEach { close($0) } }
        func route(_ output: Output, to target: Int32) throws -> FileHandle? {
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw ChildProcessError(call: "pipe", code: errno) }
                for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                parentEnds.append(ends[0])
                childEnds.append(ends[1])
                posix_spawn_file_actions_adddup2(&actions, ends[1], target)
                return FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
            }
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let out = try route(stdout, to: 1)
        let err = try route(stderr, to: 2)
        Self.closeFrom3(&actions)

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, nil, &argv, &envp)
        guard code == 0 else {
            parentEnds.forEach { close($0) }
            throw ChildProcessError(call: "posix_spawn \(executable)", code: code)
        }
        pid = child
        standardOutput = out
        standardError = err
    }

    /// Closes every descriptor from 3 up in the child (glibc 2.34 and later; looked
    /// up at run time because the Glibc module does not declare it).
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

    /// Whether the child has not exited yet (reaps it if it has).
    var isRunning: Bool {
        state.lock()
        defer { state.unlock() }
        if status != nil { return false }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { status = Self.decode(raw) }
        return status == nil
    }

    /// Waits for the child to exit: its exit code, or the number of the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        state.lock()
        defer { state.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        let decoded = Self.decode(raw)
        status = decoded
        return decoded
    }

    /// Sends `signal` unless the child has already been reaped.
    func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}
