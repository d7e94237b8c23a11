import JWTKit
import Synchronization

/// Issues the admission token a winner shows a downstream shop: an ES256 JWT with
/// `iss`, `aud` = event id, `sub` = user, `seq`, `iat` and `exp`. Tokens are
/// cached per entry until close to expiry, so a polling winner costs one signature.
public final class AdmissionIssuer: Sendable {
    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var aud: AudienceClaim
        var sub: SubjectClaim
        var seq: Int64
        var iat: IssuedAtClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    /// A signed token and when it expires (ms since 1970).
    public struct Token: Sendable, Equatable {
        public var jwt: String
        public var expiresAt: Int64
    }

    private struct EntryKey: Hashable {
        let event: String
        let seq: Int64
    }

    public let keys: AdmissionKeys
    public let issuer: String
    public let lifetime: Duration
    private let cache = Mutex<[EntryKey: Token]>([:])

    public init(keys: AdmissionKeys, issuer: String = "firstcome", lifetime: Duration = .seconds(ClaimInstructions.defaultPassLifetime)) {
        self.keys = keys
        self.issuer = issuer
        self.lifetime = lifetime
    }

    /// The token for winner `seq` of `event` (user `user`), valid for `seconds`
    /// (the event's pass lifetime; `nil`: this issuer's), reused while more than
    /// a tenth of that is left.
    func token(event: String, seq: Int64, now: Int64, seconds: Int64? = nil, user: () async throws -> String) async throws -> Token {
        let key = EntryKey(event: event, seq: seq)
        let lifetimeMs = (seconds ?? lifetime.components.seconds) * 1000
        if let cached = cache.withLock({ $0[key] }), cached.expiresAt - now > lifetimeMs / 10 { return cached }
        let issuedAt = now / 1000
        let expires = issuedAt + lifetimeMs / 1000
        let claims = Claims(
            iss: .init(value: issuer), aud: .init(value: [event]), sub: .init(value: try await user()), seq: seq,
            iat: .init(value: .init(timeIntervalSince1970: Double(issuedAt))),
            exp: .init(value: .init(timeIntervalSince1970: Double(expires))))
        let token = Token(jwt: try await keys.sign(claims), expiresAt: expires * 1000)
        cache.withLock { $0[key] = token }
        return token
    }
}
