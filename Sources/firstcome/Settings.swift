import ArgumentParser
import FirstCome
import Foundation
import Logging

/// Resolves a setting from its option, then its environment variable, then the default.
func setting<T>(_ option: T?, env name: String, default value: T, parse: (String) -> T?) throws -> T {
    if let option { return option }
    guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return value }
    guard let parsed = parse(text) else { throw ValidationError("environment variable \(name) has an invalid value '\(text)'") }
    return parsed
}

/// An optional setting: the option if given, else the environment variable, else `nil`.
func setting<T>(_ option: T?, env name: String, parse: (String) -> T?) throws -> T? {
    if let option { return option }
    guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return nil }
    guard let parsed = parse(text) else { throw ValidationError("environment variable \(name) has an invalid value '\(text)'") }
    return parsed
}

/// Whether the environment variable `name` turns a flag on (`1`, `true` or `yes`).
func environmentFlag(_ name: String) -> Bool {
    ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment[name]?.lowercased() ?? "")
}

/// The one check of an admin token given to `serve` or `demo` (by option,
/// environment or token file): a short one exits 64 (usage) with one line.
func requireStrongAdminToken(_ token: String) throws {
    guard let weakness = AdminToken.weakness(token) else { return }
    printError(weakness)
    throw ExitCode.validationFailure
}

/// Prints one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("firstcome: \(message)\n".utf8))
}

/// Sets up logging once per process, to standard error, one line per event.
func bootstrapLogging(level: Logger.Level) {
    LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level) }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs `body`; on failure prints its error as one line and exits with status 1.
func orExit<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("\(error)")
        throw ExitCode.failure
    }
}
