import Foundation

/// Where an event's webhook deliveries go and the secret they are signed with.
/// The secret is stored but never returned by the API.
public struct WebhookTarget: Sendable, Equatable {
    public var url: String
    public var secret: String

    /// Shortest and longest secret accepted, in characters.
    public static let secretLength = 16...256
    /// Longest URL accepted.
    public static let maxURLLength = 2048

    /// Validates both fields; throws `FirstComeError.invalidRequest` naming the bad one.
    public init(url: String, secret: String) throws {
        guard url.utf8.count <= Self.maxURLLength, let parts = URLComponents(string: url),
            let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parts.host, !host.isEmpty, parts.user == nil, parts.password == nil, parts.fragment == nil
        else {
            throw FirstComeError.invalidRequest(
                "'webhook.url' must be an http:// or https:// URL with a host, no user info and no fragment, at most \(Self.maxURLLength) characters")
        }
        guard Self.secretLength.contains(secret.count), secret.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value < 0x7F }) else {
            throw FirstComeError.invalidRequest(
                "'webhook.secret' must be \(Self.secretLength.lowerBound) to \(Self.secretLength.upperBound) printable ASCII characters without spaces")
        }
        self.url = url
        self.secret = secret
    }
}
