import Foundation
import Synchronization

/// Where the admin token comes from when none is given: a file next to the
/// database (`<db>.admin-token`, mode 0600), created on first start.
public enum AdminToken {
    public enum Source: Sendable, Equatable {
        case given
        case file(String, created: Bool)
    }

    /// Fewest characters an admin token may have: a short one is guessed long
    /// before the per-address limit on wrong tokens gets in the way.
    public static let minimumLength = 16

    /// Why `token` cannot guard the admin routes, as one line; `nil` when it can.
    public static func weakness(_ token: String) -> String? {
        guard token.count < minimumLength else { return nil }
        return "the admin token is \(token.count) characters, it must have at least \(minimumLength): "
            + "make one with `firstcome admin-token rotate --db PATH`, or use \(minimumLength) or more random characters"
    }

    /// Path of the token file that belongs to `databasePath`.
    public static func filePath(forDatabase databasePath: String) -> String {
        databasePath + ".admin-token"
    }

    /// A new random token: 32 bytes from the system CSPRNG, base64url. It never
    /// begins with `-`, so it can follow `--admin-token` on a command line as a
    /// separate argument (one that began with `-` would be read as an option).
    public static func generate() -> String {
        while true {
            let token = Base64URL.random(byteCount: 32)
            if token.first != "-" { return token }
        }
    }

    /// The explicit token if any, else the stored one, else a new stored one.
    public static func resolve(explicit: String?, databasePath: String) throws -> (token: String, source: Source) {
        if let explicit, !explicit.isEmpty { return (explicit, .given) }
        let path = filePath(forDatabase: databasePath)
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let token = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { return (token, .file(path, created: false)) }
        }
        let token = generate()
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AdminTokenError(path: path)
        }
        return (token, .file(path, created: true))
    }
}

extension AdminToken {
    /// Writes a new token to the file of `databasePath` (replacing it atomically,
    /// mode 0600) and returns it. A server reading its token from that file takes
    /// the new one within `AdminTokenWatch.interval`.
    public static func rotate(databasePath: String) throws -> String {
        let path = filePath(forDatabase: databasePath)
        let token = generate()
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]),
            Foundation.rename(temporary, path) == 0
        else { throw AdminTokenError(path: path) }
        return token
    }
}

/// The admin token a running service checks: fixed when given by option or
/// environment, else the file's, read again when the file changes.
public final class AdminTokenWatch: Sendable {
    /// How often the file's modification time is looked at.
    public static let interval: Duration = .seconds(1)

    private struct State {
        var token: String
        var modified: Date?
        var checked: ContinuousClock.Instant
    }

    private let file: String?
    private let state: Mutex<State>

    /// A token that never changes.
    public init(fixed token: String) {
        file = nil
        state = Mutex(State(token: token, modified: nil, checked: .now))
    }

    /// The token in `file`, followed as it changes.
    public init(file: String, token: String) {
        self.file = file
        state = Mutex(State(token: token, modified: Self.modified(file), checked: .now))
    }

    /// The token in force now.
    public var current: String {
        guard let file else { return state.withLock { $0.token } }
        return state.withLock { state in
            guard ContinuousClock.now - state.checked >= Self.interval else { return state.token }
            state.checked = .now
            let modified = Self.modified(file)
            guard modified != state.modified,
                let text = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines),
                !text.isEmpty
            else { return state.token }
            state.token = text
            state.modified = modified
            return text
        }
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}

/// The admin token file could not be written.
public struct AdminTokenError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot write the admin token file \(path)" }
}
