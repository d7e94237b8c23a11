import Crypto
import Foundation
import JWTKit
import Logging
import Synchronization

/// The ES256 keys that sign admission tokens, kept in the database (so every
/// node signs with the same keys, and a backup keeps them). The newest key signs;
/// every stored key is published in the JWKS, so tokens signed before a rotation
/// keep verifying until `keys rotate` drops their key. A running service picks up
/// a rotation within `refreshInterval`.
public final class AdmissionKeys: Sendable {
    struct FileContents: Codable, Equatable {
        var keys: [StoredAdmissionKey]
    }

    private struct Loaded {
        var keys: [StoredAdmissionKey]
        var checked: ContinuousClock.Instant
        var collection: JWTKeyCollection
        var jwks: String
    }

    /// How often the stored keys are read again.
    public static let refreshInterval: Duration = .seconds(1)

    private let store: any EntryStore
    private let loaded: Mutex<Loaded>
    private let logger: Logger

    /// The key file that earlier versions kept beside a SQLite database; its keys
    /// are moved into the database on the first start that finds none there.
    public static func legacyFilePath(forDatabase databasePath: String) -> String {
        databasePath + ".admission-keys.json"
    }

    /// Loads the stored keys, creating one (or importing `legacyFile`) if there are none.
    public init(
        store: any EntryStore, legacyFile: String? = nil, now: Int64 = Timestamp.now(), logger: Logger = Logger(label: "firstcome")
    ) async throws {
        self.store = store
        self.logger = logger
        var initial: [StoredAdmissionKey]
        if let legacyFile, FileManager.default.fileExists(atPath: legacyFile) {
            initial = try Self.read(legacyFile).keys
        } else {
            initial = [try Self.newKey(now: now)]
        }
        let keys = try await store.ensureAdmissionKeys(initial)
        loaded = Mutex(try await Self.load(keys))
    }

    /// Adds a new signing key and retires the current one; keys retired more than
    /// `keepRetired` ago are dropped (and leave the JWKS).
    @discardableResult
    public static func rotate(store: any EntryStore, now: Int64 = Timestamp.now(), keepRetired: Duration) async throws -> (kid: String, dropped: [String]) {
        let key = try newKey(now: now)
        let dropped = try await store.rotateAdmissionKeys(
            adding: key, now: now, dropRetiredBefore: now - keepRetired.components.seconds * 1000)
        return (key.kid, dropped)
    }

    /// Signs `claims` with the newest key.
    func sign(_ claims: some JWTPayload) async throws -> String {
        try await refresh()
        let (collection, kid) = loaded.withLock { ($0.collection, $0.keys.last?.kid ?? "") }
        return try await collection.sign(claims, kid: JWKIdentifier(string: kid))
    }

    /// The public keys as a JSON Web Key Set.
    func jwks() async throws -> String {
        try await refresh()
        return loaded.withLock { $0.jwks }
    }

    /// Picks up a rotation made by `firstcome keys rotate` (on any node).
    private func refresh() async throws {
        let due = loaded.withLock { state -> Bool in
            guard ContinuousClock.now - state.checked > Self.refreshInterval else { return false }
            state.checked = .now
            return true
        }
        guard due else { return }
        let keys = try await store.admissionKeys()
        guard keys != loaded.withLock({ $0.keys }) else { return }
        let fresh = try await Self.load(keys)
        loaded.withLock { $0 = fresh }
        logger.notice("admission keys changed", metadata: ["signing": "\(keys.last?.kid ?? "")", "published": "\(keys.count)"])
    }

    private static func load(_ stored: [StoredAdmissionKey]) async throws -> Loaded {
        let collection = JWTKeyCollection()
        var keys: [String] = []
        for entry in stored {
            let key = try ES256PrivateKey(pem: entry.privateKeyPEM)
            await collection.add(ecdsa: key, kid: JWKIdentifier(string: entry.kid))
            guard let parameters = key.publicKey.parameters else { continue }
            var jwk = JSONObject()
            jwk.string("kty", "EC")
            jwk.string("crv", "P-256")
            jwk.string("alg", "ES256")
            jwk.string("use", "sig")
            jwk.string("kid", entry.kid)
            jwk.string("x", parameters.x)
            jwk.string("y", parameters.y)
            keys.append(jwk.json)
        }
        var set = JSONObject()
        set.raw("keys", "[" + keys.joined(separator: ",") + "]")
        return Loaded(keys: stored, checked: .now, collection: collection, jwks: set.json)
    }

    static func newKey(now: Int64) throws -> StoredAdmissionKey {
        StoredAdmissionKey(kid: "k" + Base64URL.random(byteCount: 9), createdAt: now, retiredAt: nil,
               privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation)
    }

    static func read(_ path: String) throws -> FileContents {
        do {
            return try JSONDecoder().decode(FileContents.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw AdmissionKeyError(path: path, reason: "cannot be read (\(error))")
        }
    }

}

/// The admission key file is unusable.
public struct AdmissionKeyError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "the admission key file \(path) \(reason)" }
}
