import Synchronization
import Foundation
import Testing

/// The built `firstcome` executable, found beside the test bundle.
enum Binary {
    static let url: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appending(path: "firstcome")
            if FileManager.default.isExecutableFile(atPath: candidate.path(percentEncoded: false)) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appending(path: ".build/debug/firstcome")
    }()

    /// Runs the binary to completion; returns exit status, stdout and stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try runProcess(url.path(percentEncoded: false), arguments, environment: environment)
    }

    /// Runs any executable to completion; returns exit status, stdout and stderr.
    static func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = try ChildProcess(executable, arguments, environment: environment)
        // stderr is read on another thread while stdout is read here, so that a
        // child filling one pipe never waits for a reader busy with the other.
        let errData = Mutex(Data())
        let errRead = DispatchSemaphore(value: 0)
        let errHandle = process.standardError!
        Thread.detachNewThread {
            let data = readToEnd(errHandle.fileDescriptor)
            errData.withLock { $0 = data }
            errRead.signal()
        }
        let outData = readToEnd(process.standardOutput!.fileDescriptor)
        errRead.wait()
        let status = process.wait()
        return (status, String(decoding: outData, as: UTF8.self), String(decoding: errData.withLock { $0 }, as: UTF8.self))
    }
}

extension Binary {
    /// Runs a shell command; returns its exit status.
    static func shell(_ command: String) throws -> Int32 {
        try runProcess("/bin/sh", ["-c", command]).status
    }
}

/// A `firstcome serve` child process on 127.0.0.1 with a free port.
final class ServerProcess: @unchecked Sendable {
    let process: ChildProcess
    let port: Int
    /// What the server logged up to "listening on".
    let startupLog: String
    private let errors: FileHandle
    private let logged = Mutex("")
    /// Signalled when the reader of stderr has reached its end (the child exited).
    private let drained = DispatchSemaphore(value: 0)
    /// What the server logged after "listening on" (so far).
    var laterLog: String { logged.withLock { $0 } }

    /// - Parameter descriptorLimit: the child's `ulimit -n` (soft and hard), if set.
    init(database: String, adminToken: String = testAdminToken, extra: [String] = [], descriptorLimit: Int? = nil) throws {
        let arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--db", database, "--tick-ms", "50", "--admin-token", adminToken] + extra
        if let descriptorLimit {
            process = try ChildProcess(
                "/bin/sh", ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", Binary.url.path(percentEncoded: false)] + arguments,
                stdout: .discard)
        } else {
            process = try ChildProcess(Binary.url.path(percentEncoded: false), arguments, stdout: .discard)
        }
        errors = process.standardError!
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            guard let data = readSome(errors.fileDescriptor) else { break }
            seen += String(decoding: data, as: UTF8.self)
            for line in seen.split(separator: "\n") where !line.contains("admin routes") {
                if let range = line.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    found = Int(line[range].split(separator: ":").last ?? "")
                }
            }
        }
        guard let found else {
            process.signal(SIGKILL)
            process.wait()
            throw ServerProcessError(output: seen)
        }
        port = found
        startupLog = seen
        // Keep draining stderr so the child never blocks on a full pipe: a thread
        // reads until the child closes it. (Not `readabilityHandler`: its dispatch
        // source can outlive the descriptor and crash libdispatch's event loop.)
        let (handle, drained) = (errors, drained)
        Thread.detachNewThread { [weak self] in
            while let data = readSome(handle.fileDescriptor) {
                let text = String(decoding: data, as: UTF8.self)
                self?.logged.withLock { $0 += text }
            }
            drained.signal()
        }
    }

    /// Sends `signal` and waits for the exit status (and for the last of its log).
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        process.signal(signal)
        let status = process.wait()
        _ = drained.wait(timeout: .now() + 10)
        return status
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The clients' ends (address:port, as /proc/net/tcp writes them) of the TCP
    /// connections to the server's port that are established now.
    func establishedConnections() -> Set<String> {
        // Read to the end: a single read of a /proc file stops at one page.
        let descriptor = open("/proc/net/tcp", O_RDONLY)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        let table = String(decoding: readToEnd(descriptor), as: UTF8.self)
        let local = String(format: ":%04X", port)
        return Set(table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[1].hasSuffix(local), fields[3] == "01" else { return nil }
            return String(fields[2])
        })
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
            process.wait()
        }
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    let output: String
    var description: String { "firstcome serve did not start:\n\(output)" }
}

/// The next bytes from `descriptor`, or nil at its end; retries a read a signal
/// interrupted (Foundation's `FileHandle` reads stop the process on `EINTR`).
func readSome(_ descriptor: Int32) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return nil }
        return Array(buffer[..<count])
    }
}

/// Everything `descriptor` gives until its end.
func readToEnd(_ descriptor: Int32) -> Data {
    var data = Data()
    while let bytes = readSome(descriptor) { data.append(contentsOf: bytes) }
    return data
}
