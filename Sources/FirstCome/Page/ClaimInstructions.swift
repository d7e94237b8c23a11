/// How a winner claims the prize, in the organiser's words: a text, a link, or
/// both. The winner's screen shows them in place of the general "what next" text.
public struct ClaimInstructions: Sendable, Equatable {
    public var text: String?
    public var link: String?

    public init(text: String? = nil, link: String? = nil) {
        self.text = text
        self.link = link
    }
}
