/// Body of `POST /v1/events/{id}/entries`:
/// `{"user": "...", "identity_token": "<JWT>"?, "payload": {...}?, "pow": {"challenge", "nonce"}?}`.
/// Read with `JSONScanner`: this is the hottest body of the service.
struct SubmitRequest: Equatable {
    /// The entrant id; optional when an identity token names the user instead.
    let user: String?
    /// A JWT from the operator's site, for events that verify identity.
    var identityToken: String? = nil
    /// The payload object in compact form, as sent (key order kept).
    let payload: String?
    /// A solved proof-of-work, for events that ask one.
    var proof: Proof? = nil

    struct Proof: Equatable {
        let challenge: String
        let nonce: String
    }

    static let maxPayloadDepth = 16

    static func parse(_ bytes: [UInt8]) throws -> SubmitRequest {
        var user: String?
        var identityToken: String?
        var payload: String?
        var proof: Proof?
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
                case "pow":
                    proof = try readProof(&scanner)
                default:
                    throw FirstComeError.invalidRequest("unknown field '\(key)'; allowed: identity_token, payload, pow, user")
                }
            }
        } catch let failure as JSONScanner.Failure {
            throw FirstComeError.invalidRequest(failure.message)
        }
        var request = try validated(user: user, identityToken: identityToken, payload: payload)
        request.proof = proof
        return request
    }

    /// `"pow": {"challenge": "...", "nonce": "..."}`
    private static func readProof(_ scanner: inout JSONScanner) throws -> Proof {
        guard scanner.peekValue() == UInt8(ascii: "{") else {
            throw FirstComeError.invalidRequest("'pow' must be an object {\"challenge\", \"nonce\"}")
        }
        var challenge: String?
        var nonce: String?
        try scanner.readFields { key, scanner in
            guard scanner.peekValue() == UInt8(ascii: "\"") else { throw FirstComeError.invalidRequest("'pow.\(key)' must be a string") }
            switch key {
            case "challenge" where challenge == nil: challenge = try scanner.readString()
            case "nonce" where nonce == nil: nonce = try scanner.readString()
            default: throw FirstComeError.invalidRequest("unknown or repeated field 'pow.\(key)'; allowed: challenge, nonce")
            }
        }
        guard let challenge, let nonce else { throw FirstComeError.invalidRequest("'pow' needs both 'challenge' and 'nonce'") }
        return Proof(challenge: challenge, nonce: nonce)
    }

    /// A request from fields read elsewhere (the waiting page's form), checked like a JSON one.
    static func validated(user: String?, identityToken: String?, payload: String?) throws -> SubmitRequest {
        guard user != nil || identityToken != nil else { throw FirstComeError.invalidRequest("missing field 'user'") }
        let user = try user.map(EventRules.user(fromSent:))
        return SubmitRequest(user: user, identityToken: identityToken, payload: payload)
    }
}
