import Foundation

/// Where the admin token comes from when none is given: a file next to the
/// database (`<db>.admin-token`, mode 0600), created on first start.
public enum AdminToken {
    public enum Source: Sendable, Equatable {
        case given
        case file(String, created: Bool)
    }

    /// Path of the token file that belongs to `databasePath`.
    public static func filePath(forDatabase databasePath: String) -> String {
        databasePath + ".admin-token"
    }

    /// The explicit token if any, else the stored one, else a new stored one.
    public static func resolve(explicit: String?, databasePath: String) throws -> (token: String, source: Source) {
        if let explicit, !explicit.isEmpty { return (explicit, .given) }
        let path = filePath(forDatabase: databasePath)
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let token = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { return (token, .file(path, created: false)) }
        }
        let token = Base64URL.random(byteCount: 32)
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AdminTokenError(path: path)
        }
        return (token, .file(path, created: true))
    }
}

/// The admin token file could not be written.
public struct AdminTokenError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot write the admin token file \(path)" }
}
