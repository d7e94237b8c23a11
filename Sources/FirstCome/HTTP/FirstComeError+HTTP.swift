import Hummingbird

/// The one place where domain errors become HTTP answers:
/// a status, and the body `{"error":{"code","message"}}`.
extension FirstComeError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .invalidRequest: .badRequest
        case .unauthorized, .wrongAdminToken, .identityRequired, .invalidIdentity: .unauthorized
        case .uriTooLong: .uriTooLong
        case .rateLimited: .tooManyRequests
        case .notFound, .eventNotFound, .entryNotFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .eventExists, .eventNotOpen, .eventSoldOut, .eventNotFinal, .eventHasEntries, .eventNotEnded, .drawPending, .noDraw, .drawMade, .beaconRefused: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .storageBusy, .storageUnavailable, .shuttingDown: .serviceUnavailable
        case .proofRequired, .proofInvalid, .proofExpired, .proofWrongUser: .forbidden
        case .internalError: .internalServerError
        }
    }

    var headers: HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        switch self {
        case .unauthorized, .wrongAdminToken:
            headers[.wwwAuthenticate] = "Bearer realm=\"firstcome admin\""
        case .rateLimited(let wait):
            headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
        case .storageBusy, .storageUnavailable, .shuttingDown:
            headers[.retryAfter] = "1"
        default:
            break
        }
        return headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: jsonBody)))
    }

    /// `{"error":{"code":"…","message":"…"}}`
    var jsonBody: String {
        var error = JSONObject()
        error.string("code", code)
        error.string("message", message)
        var body = JSONObject()
        body.raw("error", error.json)
        return body.json
    }
}
