/// Body of `POST /v1/events/{id}/entries`:
/// `{"user": "...", "identity_token": "<JWT>"?, "payload": {...}?}`.
/// Read with `JSONScanner`: this is the hottest body of the service.
struct SubmitRequest: Equatable {
    /// The entrant id; optional when an identity token names the user instead.
    let user: String?
    /// A JWT from the operator's site, for events that verify identity.
    var identityToken: String? = nil
    /// The payload object in compact form, as sent (key order kept).
    let payload: String?

    static let maxPayloadDepth = 16

    static func parse(_ bytes: [UInt8]) throws -> SubmitRequest {
        var user: String?
        var identityToken: String?
        var payload: String?
        var seen: Set<String> = []
        var scanner = JSONScanner(bytes)
        do {
            try scanner.readObject { key, scanner in
                guard seen.insert(key).inserted else { throw FirstComeError.invalidRequest("field '\(key)' appears twice") }
                switch key {
                case "user":
                    guard scanner.peekValue() == UInt8(ascii: "\"") else {
                        throw FirstComeError.invalidRequest("field 'user' must be a string")
                    }
                    user = try scanner.readString()
                case "identity_token":
                    guard scanner.peekValue() == UInt8(ascii: "\"") else {
                        throw FirstComeError.invalidRequest("field 'identity_token' must be a string")
                    }
                    identityToken = try scanner.readString()
                case "payload":
                    if try scanner.readNull() { return }
                    guard scanner.peekValue() == UInt8(ascii: "{") else {
                        throw FirstComeError.invalidRequest("'payload' must be a JSON object")
                    }
                    var compact = [UInt8]()
                    do {
                        try scanner.copyValue(into: &compact, maxDepth: EventRules.maxPayloadDepth)
                    } catch let failure as JSONScanner.Failure where failure.message.contains("nested deeper") {
                        throw FirstComeError.invalidRequest("'payload' is nested deeper than \(EventRules.maxPayloadDepth) levels")
                    }
                    guard compact.count <= EventRules.maxPayloadBytes else {
                        throw FirstComeError.payloadTooLarge("'payload' is larger than \(EventRules.maxPayloadBytes) bytes")
                    }
                    payload = String(decoding: compact, as: UTF8.self)
                default:
                    throw FirstComeError.invalidRequest("unknown field '\(key)'; allowed: identity_token, payload, user")
                }
            }
        } catch let failure as JSONScanner.Failure {
            throw FirstComeError.invalidRequest(failure.message)
        }
        return try validated(user: user, identityToken: identityToken, payload: payload)
    }

    /// A request from fields read elsewhere (the waiting page's form), checked like a JSON one.
    static func validated(user: String?, identityToken: String?, payload: String?) throws -> SubmitRequest {
        guard user != nil || identityToken != nil else { throw FirstComeError.invalidRequest("missing field 'user'") }
        let user = user.map(EventRules.normalizedUser)
        if let user { try EventRules.checkUser(user) }
        return SubmitRequest(user: user, identityToken: identityToken, payload: payload)
    }
}
