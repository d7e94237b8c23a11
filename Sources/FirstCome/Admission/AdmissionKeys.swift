import Crypto
import Foundation
import JWTKit
import Synchronization

/// The ES256 keys that sign admission tokens, kept next to the database in
/// `<db>.admission-keys.json` (mode 0600, created on first start). The newest key
/// signs; every key in the file is published in the JWKS, so tokens signed before
/// a rotation keep verifying until `keys rotate` prunes their key.
public final class AdmissionKeys: Sendable {
    struct Stored: Codable, Equatable {
        var kid: String
        var createdAt: Int64
        var retiredAt: Int64?
        var privateKeyPEM: String
    }

    struct FileContents: Codable, Equatable {
        var keys: [Stored]
    }

    private struct Loaded {
        var contents: FileContents
        var modified: Date?
        var checked: ContinuousClock.Instant
        var collection: JWTKeyCollection
        var jwks: String
    }

    public let path: String
    private let loaded: Mutex<Loaded>

    /// The key file that belongs to `databasePath`.
    public static func filePath(forDatabase databasePath: String) -> String {
        databasePath + ".admission-keys.json"
    }

    /// Loads the key file, creating it with one new key if it does not exist.
    public init(path: String, now: Int64 = Timestamp.now()) async throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            try Self.write(FileContents(keys: [Self.newKey(now: now)]), to: path)
        }
        let contents = try Self.read(path)
        loaded = Mutex(try await Self.load(contents, modified: Self.modified(path)))
    }

    /// Adds a new signing key and retires the current one; keys retired more than
    /// `keepRetired` ago are dropped from the file (and from the JWKS).
    @discardableResult
    public static func rotate(path: String, now: Int64 = Timestamp.now(), keepRetired: Duration) throws -> (kid: String, dropped: [String]) {
        var contents = FileManager.default.fileExists(atPath: path) ? try read(path) : FileContents(keys: [])
        let keepMs = keepRetired.components.seconds * 1000
        let dropped = contents.keys.filter { ($0.retiredAt ?? .max) < now - keepMs }.map(\.kid)
        contents.keys.removeAll { dropped.contains($0.kid) }
        for index in contents.keys.indices where contents.keys[index].retiredAt == nil { contents.keys[index].retiredAt = now }
        let key = try newKey(now: now)
        contents.keys.append(key)
        try write(contents, to: path)
        return (key.kid, dropped)
    }

    /// Signs `claims` with the newest key (re-reading the file if it changed).
    func sign(_ claims: some JWTPayload) async throws -> String {
        try await refresh()
        let (collection, kid) = loaded.withLock { ($0.collection, $0.contents.keys.last?.kid ?? "") }
        return try await collection.sign(claims, kid: JWKIdentifier(string: kid))
    }

    /// The public keys as a JSON Web Key Set.
    func jwks() async throws -> String {
        try await refresh()
        return loaded.withLock { $0.jwks }
    }

    /// Picks up a rotation made by `firstcome keys rotate`, checking at most once a second.
    private func refresh() async throws {
        let due = loaded.withLock { state -> Bool in
            guard ContinuousClock.now - state.checked > .seconds(1) else { return false }
            state.checked = .now
            return Self.modified(path) != state.modified
        }
        guard due else { return }
        let fresh = try await Self.load(try Self.read(path), modified: Self.modified(path))
        loaded.withLock { $0 = fresh }
    }

    private static func load(_ contents: FileContents, modified: Date?) async throws -> Loaded {
        let collection = JWTKeyCollection()
        var keys: [String] = []
        for stored in contents.keys {
            let key = try ES256PrivateKey(pem: stored.privateKeyPEM)
            await collection.add(ecdsa: key, kid: JWKIdentifier(string: stored.kid))
            guard let parameters = key.publicKey.parameters else { continue }
            var jwk = JSONObject()
            jwk.string("kty", "EC")
            jwk.string("crv", "P-256")
            jwk.string("alg", "ES256")
            jwk.string("use", "sig")
            jwk.string("kid", stored.kid)
            jwk.string("x", parameters.x)
            jwk.string("y", parameters.y)
            keys.append(jwk.json)
        }
        var set = JSONObject()
        set.raw("keys", "[" + keys.joined(separator: ",") + "]")
        return Loaded(contents: contents, modified: modified, checked: .now, collection: collection, jwks: set.json)
    }

    static func newKey(now: Int64) throws -> Stored {
        Stored(kid: "k" + Base64URL.random(byteCount: 9), createdAt: now, retiredAt: nil,
               privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation)
    }

    static func read(_ path: String) throws -> FileContents {
        do {
            return try JSONDecoder().decode(FileContents.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw AdmissionKeyError(path: path, reason: "cannot be read (\(error))")
        }
    }

    static func write(_ contents: FileContents, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: try encoder.encode(contents), attributes: [.posixPermissions: 0o600]) else {
            throw AdmissionKeyError(path: path, reason: "cannot be written")
        }
        // rename(2) replaces the old file atomically: a reader sees the old keys or the new ones.
        guard Foundation.rename(temporary, path) == 0 else { throw AdmissionKeyError(path: path, reason: "cannot be replaced") }
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}

/// The admission key file is unusable.
public struct AdmissionKeyError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "the admission key file \(path) \(reason)" }
}
