import Crypto
import Foundation

/// The `Firstcome-Signature` header of a delivery:
/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. A receiver
/// recomputes the HMAC over the raw body and compares, and refuses old `t`s.
public enum WebhookSignature {
    /// The header's name.
    public static let header = "Firstcome-Signature"

    /// The header value for `body` sent at `time` (unix seconds).
    public static func value(secret: String, time: Int64, body: String) -> String {
        "t=\(time),v1=" + hex(secret: secret, time: time, body: body)
    }

    /// The hex HMAC alone.
    public static func hex(secret: String, time: Int64, body: String) -> String {
        var message = Data("\(time).".utf8)
        message.append(contentsOf: Array(body.utf8))
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }
}
