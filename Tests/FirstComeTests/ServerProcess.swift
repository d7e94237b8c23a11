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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
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
    let process = Process()
    let port: Int
    /// What the server logged up to "listening on".
    let startupLog: String
    private let errors: Pipe
    private let logged = Mutex("")
    /// What the server logged after "listening on" (so far).
    var laterLog: String { logged.withLock { $0 } }

    init(database: String, adminToken: String = testAdminToken, extra: [String] = []) throws {
        process.executableURL = Binary.url
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--db", database, "--tick-ms", "50", "--admin-token", adminToken] + extra
        errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
            for line in seen.split(separator: "\n") where !line.contains("admin routes") {
                if let range = line.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    found = Int(line[range].split(separator: ":").last ?? "")
                }
            }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            throw ServerProcessError(output: seen)
        }
        port = found
        startupLog = seen
        // Keep draining stderr so the child never blocks on a full pipe.
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.logged.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
    }

    /// Sends `signal` and waits for the exit status.
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    let output: String
    var description: String { "firstcome serve did not start:\n\(output)" }
}
