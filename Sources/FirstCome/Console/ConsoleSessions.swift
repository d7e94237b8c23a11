import Crypto
import Foundation

/// Signed, expiring console sessions. A session is the cookie value
/// `ID.EXPIRES.MAC`: a random id, its end (ms since 1970) and an HMAC-SHA256 of
/// both under a key derived from the admin token, so rotating the token ends
/// every session at once. Nothing is stored on the server.
struct ConsoleSessions: Sendable {
    /// How long a sign-in lasts.
    static let lifetime: Duration = .seconds(12 * 3600)
    /// The cookie's name.
    static let cookieName = "firstcome_console"

    /// One signed-in operator.
    struct Session: Sendable, Equatable {
        let id: String
        let expiresAt: Int64
    }

    let token: AdminTokenWatch

    /// The key in force: derived from the current admin token.
    private func key() -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(token.current.utf8)), info: Array("firstcome console session".utf8),
            outputByteCount: 32)
    }

    /// Whether `given` is the admin token, compared in constant time.
    func isAdminToken(_ given: String) -> Bool {
        AdminAuthMiddleware<AppRequestContext>.constantTimeEquals(Array(given.utf8), Array(token.current.utf8))
    }

    /// A new session from `now` and its cookie value.
    func issue(now: Int64) -> (session: Session, cookie: String) {
        let id = SymmetricKey(size: .bits128).withUnsafeBytes { Self.hex(Array($0)) }
        let session = Session(id: id, expiresAt: now + Int64(Self.lifetime.milliseconds))
        let payload = "\(session.id).\(session.expiresAt)"
        return (session, payload + "." + mac(payload))
    }

    /// The session a cookie value carries, if it is genuine under the current
    /// token and has not expired at `now`.
    func verify(_ cookie: String, now: Int64) -> Session? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 32, let expiresAt = Int64(parts[1]) else { return nil }
        let payload = "\(parts[0]).\(parts[1])"
        guard AdminAuthMiddleware<AppRequestContext>.constantTimeEquals(Array(mac(payload).utf8), Array(parts[2].utf8)),
            expiresAt > now
        else { return nil }
        return Session(id: String(parts[0]), expiresAt: expiresAt)
    }

    /// The form token of a session: every console form carries it and every
    /// console POST must send it back.
    func csrfToken(for session: Session) -> String {
        mac("csrf\n" + session.id)
    }

    /// Whether `given` is the form token of `session`.
    func checkCSRF(_ given: String?, session: Session) -> Bool {
        guard let given else { return false }
        return AdminAuthMiddleware<AppRequestContext>.constantTimeEquals(Array(given.utf8), Array(csrfToken(for: session).utf8))
    }

    private func mac(_ text: String) -> String {
        Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key())))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
