/// Why a delivery failed, in the words `last_error` keeps: the status when an
/// HTTP answer came back, else one text for every network failure, so that the
/// error never tells whether some port is open, closed or filtered.
enum WebhookFailure: Error, Equatable {
    /// An answer other than 2xx (a 3xx too: redirects are never followed).
    case status(Int)
    /// No HTTP answer: name not resolved, connection refused or reset, timeout, TLS.
    case noResponse
    /// The host resolved to an internal address and such targets are not allowed.
    case internalAddress
    /// The delivery's body could not be made (the store could not be read).
    case payload

    var text: String {
        switch self {
        case .status(let code) where (300..<400).contains(code): "HTTP \(code) (redirects are not followed)"
        case .status(let code): "HTTP \(code)"
        case .noResponse: "delivery failed: no HTTP response"
        case .internalAddress:
            "refused: the host resolves to a loopback, link-local, private or unspecified address (serve --webhook-allow-private allows it)"
        case .payload: "delivery not sent: its body could not be made"
        }
    }
}
