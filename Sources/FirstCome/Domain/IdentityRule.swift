/// How an event checks who an entrant is: a JWT signed by the operator's site.
public struct IdentityRule: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case hs256 = "HS256"
        case es256 = "ES256"
        case rs256 = "RS256"
    }

    public var algorithm: Algorithm
    /// The HS256 shared secret, or the PEM public key for ES256/RS256. Never shown by the API.
    public var key: String
    /// Required `iss` claim, if set.
    public var issuer: String?
    /// Required `aud` claim, if set.
    public var audience: String?

    public init(algorithm: Algorithm, key: String, issuer: String? = nil, audience: String? = nil) throws {
        switch algorithm {
        case .hs256:
            guard key.utf8.count >= 32 else {
                throw FirstComeError.invalidRequest("'identity.key' for HS256 must be a secret of at least 32 bytes")
            }
        case .es256, .rs256:
            guard key.contains("-----BEGIN PUBLIC KEY-----") else {
                throw FirstComeError.invalidRequest("'identity.key' for \(algorithm.rawValue) must be a PEM public key")
            }
        }
        self.algorithm = algorithm
        self.key = key
        self.issuer = issuer
        self.audience = audience
    }
}
