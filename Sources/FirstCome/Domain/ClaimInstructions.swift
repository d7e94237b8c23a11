import Foundation

/// How a winner claims the prize, in the organiser's words (a text, a link, or
/// both) and how long the winner's admission pass stays valid. The winner's
/// screen shows them; they decide nothing, so the control log does not carry them.
public struct ClaimInstructions: Sendable, Equatable {
    public var text: String?
    public var link: String?
    /// Seconds an admission pass issued for this event is valid; `nil`: the server's (`defaultPassLifetime`).
    public var passLifetime: Int64?

    /// A pass is valid for an hour unless the event says otherwise.
    public static let defaultPassLifetime: Int64 = 3600
    public static let passLifetimes: ClosedRange<Int64> = 60...604_800
    public static let maxText = 1000
    public static let maxLink = 2000

    /// Checks each field given; throws `FirstComeError.invalidRequest` naming the first bad one.
    public init(text: String? = nil, link: String? = nil, passLifetime: Int64? = nil) throws {
        if let text { try Self.checkText(text) }
        if let link { try Self.checkLink(link) }
        if let passLifetime, !Self.passLifetimes.contains(passLifetime) {
            throw FirstComeError.invalidRequest(
                "'claim.pass_lifetime_s' must be between \(Self.passLifetimes.lowerBound) and \(Self.passLifetimes.upperBound) seconds")
        }
        self.text = text
        self.link = link
        self.passLifetime = passLifetime
    }

    /// The settings as stored (checked when they were set); `nil` when none is.
    static func stored(text: String?, link: String?, passLifetime: Int64?) -> ClaimInstructions? {
        guard text != nil || link != nil || passLifetime != nil else { return nil }
        return ClaimInstructions(checked: (text, link, passLifetime))
    }

    private init(checked fields: (text: String?, link: String?, passLifetime: Int64?)) {
        (text, link, passLifetime) = fields
    }

    /// Whether anything is set (an empty value is stored as no claim settings).
    public var isEmpty: Bool { text == nil && link == nil && passLifetime == nil }

    /// 1 to `maxText` code points with something visible; line breaks and tabs
    /// are kept (the screen shows them), other control characters are refused.
    static func checkText(_ text: String) throws {
        guard !TextRules.exceeds(text, scalars: maxText), text.unicodeScalars.contains(where: TextRules.isVisible),
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !"\n\r\t".unicodeScalars.contains($0) })
        else {
            throw FirstComeError.invalidRequest(
                "'claim.text' must be 1 to \(maxText) characters (Unicode code points), not only spaces, without control characters other than line breaks")
        }
    }

    /// A link winners can open: an absolute `https` (or `http`) URL with a host,
    /// without spaces or control characters.
    static func checkLink(_ link: String) throws {
        let refused = FirstComeError.invalidRequest(
            "'claim.link' must be an absolute https:// or http:// address of at most \(maxLink) characters, e.g. https://shop.example/claim")
        guard link.utf8.count <= maxLink, !link.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0.value > 0x7E }),
            let components = URLComponents(string: link), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else { throw refused }
    }
}
