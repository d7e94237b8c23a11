import JWTKit
import Synchronization

/// Checks entrant identity tokens (JWTs signed by the operator's site) against an
/// event's `IdentityRule` and returns the subject, which becomes the entry's user.
final class IdentityVerifier: Sendable {
    /// The claims firstcome reads; `exp` is required so a leaked token stops working.
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var nbf: NotBeforeClaim?
        var iss: IssuerClaim?
        var aud: AudienceClaim?

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
            try nbf?.verifyNotBefore()
        }
    }

    private struct CacheKey: Hashable {
        let algorithm: String
        let key: String
    }

    private let collections = Mutex<[CacheKey: JWTKeyCollection]>([:])

    /// The verified subject of `token`, or throws `.invalidIdentity`.
    func subject(of token: String, rule: IdentityRule) async throws -> String {
        guard Self.headerAlgorithm(of: token) == rule.algorithm.rawValue else {
            throw FirstComeError.invalidIdentity("its algorithm is not the event's \(rule.algorithm.rawValue)")
        }
        let keys = try await collection(for: rule)
        let claims: Claims
        do {
            claims = try await keys.verify(token, as: Claims.self)
        } catch let error as JWTError {
            throw FirstComeError.invalidIdentity(Self.reason(error))
        } catch {
            throw FirstComeError.invalidIdentity("it could not be verified")
        }
        if let issuer = rule.issuer, claims.iss?.value != issuer {
            throw FirstComeError.invalidIdentity("wrong issuer")
        }
        if let audience = rule.audience {
            do {
                guard let aud = claims.aud else { throw FirstComeError.invalidIdentity("no audience") }
                try aud.verifyIntendedAudience(includes: audience)
            } catch {
                throw FirstComeError.invalidIdentity("wrong audience")
            }
        }
        do {
            return try EventRules.user(fromSent: claims.sub.value)
        } catch {
            throw FirstComeError.invalidIdentity("its subject is not a valid user (\(EventRules.maxUserLength) characters at most, a visible one among them)")
        }
    }

    /// The `alg` of a JWT's header, if the header is a JSON object that names one.
    static func headerAlgorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first,
            header.utf8.count <= 1024, let bytes = Base64URL.decode(header)
        else { return nil }
        var algorithm: String?
        var scanner = JSONScanner(bytes)
        do {
            try scanner.readObject { key, scanner in
                if key == "alg" {
                    guard algorithm == nil, scanner.peekValue() == UInt8(ascii: "\"") else { throw JSONScanner.Failure(message: "alg") }
                    algorithm = try scanner.readString()
                } else {
                    var ignored: [UInt8] = []
                    try scanner.copyValue(into: &ignored, maxDepth: 4)
                }
            }
        } catch {
            return nil
        }
        return algorithm
    }

    private func collection(for rule: IdentityRule) async throws -> JWTKeyCollection {
        let cacheKey = CacheKey(algorithm: rule.algorithm.rawValue, key: rule.key)
        if let found = collections.withLock({ $0[cacheKey] }) { return found }
        let keys = JWTKeyCollection()
        do {
            switch rule.algorithm {
            case .hs256:
                await keys.add(hmac: HMACKey(from: rule.key), digestAlgorithm: .sha256)
            case .es256:
                await keys.add(ecdsa: try ES256PublicKey(pem: rule.key))
            case .rs256:
                await keys.add(rsa: try Insecure.RSA.PublicKey(pem: rule.key), digestAlgorithm: .sha256)
            }
        } catch {
            throw FirstComeError.invalidIdentity("the event's verification key cannot be loaded")
        }
        collections.withLock { $0[cacheKey] = keys }
        return keys
    }

    static func reason(_ error: JWTError) -> String {
        switch error.errorType {
        case .claimVerificationFailure: "it has expired or is not valid yet"
        case .signatureVerificationFailed: "its signature does not match"
        case .malformedToken: "it is not a well-formed JWT"
        default: "it could not be verified"
        }
    }
}
