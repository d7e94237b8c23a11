/// Every failure a client can see. The HTTP layer maps each case to a status and a
/// stable snake_case code in one place (`FirstComeError+HTTP.swift`).
public enum FirstComeError: Error, Equatable, Sendable {
    case invalidRequest(String)
    case unauthorized
    /// An `Authorization: Bearer` header with another token than the admin token.
    case wrongAdminToken
    case notFound(String)
    case methodNotAllowed(String)
    case eventExists(String)
    case eventNotFound(String)
    case eventNotOpen(event: String, state: EventState)
    case eventSoldOut(String)
    /// The event still takes entries or has entries waiting.
    case eventNotFinal(String)
    /// A change only an event without entries takes (its prize count).
    case eventHasEntries(String)
    /// Archiving needs intake ended; an archived event is not re-opened.
    case eventNotEnded(String)
    case entryNotFound
    /// The event's draw is not made yet (its cutoff or beacon value is still to come).
    case drawPending(String)
    /// The event is first-come: it has no draw.
    case noDraw(String)
    /// A change the event's draw has made final (`what` names it).
    case drawMade(event: String, what: String)
    /// A beacon value that cannot be taken now (`why` says why).
    case beaconRefused(String)
    case payloadTooLarge(String)
    case uriTooLong
    /// Too many requests from one client or for one user; retry after the given seconds.
    case rateLimited(retryAfter: Double)
    /// The event requires a signed identity token and none was sent.
    case identityRequired(String)
    /// The identity token is malformed, forged, expired or for someone else.
    case invalidIdentity(String)
    /// The event asks a proof-of-work of each submission and none came.
    case proofRequired(event: String, bits: Int64)
    /// The proof is malformed, forged, for another event, or has too few zero bits.
    case proofInvalid(String)
    /// The challenge's lifetime has passed.
    case proofExpired
    /// The challenge was made for another user.
    case proofWrongUser
    case unsupportedMediaType(String)
    /// The database stayed locked past the busy timeout.
    case storageBusy
    /// The database cannot be written (disk full, read-only, I/O error).
    case storageUnavailable(String)
    case shuttingDown
    case internalError
}

extension FirstComeError {
    /// A value the database's CHECK constraints refused: the request's data is
    /// at fault (400), not the service. The field rules should have caught it first.
    public static var schemaRefused: FirstComeError {
        .invalidRequest("a value breaks a rule of the database's schema; nothing was recorded")
    }

    /// Whether the database, not the request, is at fault (answered with 503).
    public var isStorageFault: Bool {
        switch self {
        case .storageBusy, .storageUnavailable: true
        default: false
        }
    }

    /// Stable machine-readable code for the JSON error body.
    public var code: String {
        switch self {
        case .invalidRequest: "invalid_request"
        case .unauthorized, .wrongAdminToken: "unauthorized"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .eventExists: "event_exists"
        case .eventNotFound: "event_not_found"
        case .eventNotOpen: "event_not_open"
        case .eventSoldOut: "event_sold_out"
        case .eventHasEntries: "event_has_entries"
        case .eventNotEnded: "event_not_ended"
        case .eventNotFinal: "event_not_final"
        case .entryNotFound: "entry_not_found"
        case .drawPending: "draw_pending"
        case .noDraw: "no_draw"
        case .drawMade: "draw_made"
        case .beaconRefused: "beacon_refused"
        case .payloadTooLarge: "payload_too_large"
        case .uriTooLong: "uri_too_long"
        case .rateLimited: "rate_limited"
        case .identityRequired: "identity_required"
        case .invalidIdentity: "invalid_identity"
        case .proofRequired: "pow_required"
        case .proofInvalid: "pow_invalid"
        case .proofExpired: "pow_expired"
        case .proofWrongUser: "pow_wrong_user"
        case .unsupportedMediaType: "unsupported_media_type"
        case .storageBusy: "storage_busy"
        case .storageUnavailable: "storage_unavailable"
        case .shuttingDown: "shutting_down"
        case .internalError: "internal_error"
        }
    }

    /// Human-readable explanation for the JSON error body.
    public var message: String {
        switch self {
        case .invalidRequest(let why): why
        case .unauthorized: "admin routes need the header 'Authorization: Bearer <admin token>'"
        case .wrongAdminToken: "the bearer token is not this service's admin token"
        case .notFound(let path): "no route for \(path)"
        case .methodNotAllowed(let what): what
        case .eventExists(let id): "event '\(id)' already exists"
        case .eventNotFound(let id): "no event '\(id)'"
        case .eventNotOpen(let id, let state): "event '\(id)' is \(state.rawValue) and does not take entries"
        case .eventSoldOut(let id): "event '\(id)' is sold out; its draw is over"
        case .eventHasEntries(let id): "event '\(id)' has entries: its prize count is fixed once the first entry is in"
        case .eventNotEnded(let id):
            "an archived event takes no entries: close event '\(id)' in the same change (\"state\":\"closed\") or wait for its sell-out, and send \"archived\":false before re-opening it"
        case .eventNotFinal(let id): "event '\(id)' is not final yet: it must be closed or sold out with nothing waiting"
        case .entryNotFound: "no entry has this token"
        case .drawPending(let id): "event '\(id)' has not drawn its order yet"
        case .noDraw(let id): "event '\(id)' is first-come (order fifo): it has no draw"
        case .drawMade(let id, let what): "event '\(id)' has made its draw: \(what) can no longer change"
        case .beaconRefused(let why): why
        case .payloadTooLarge(let why): why
        case .uriTooLong: "the request URI is too long"
        case .rateLimited(let wait): "too many requests; retry in \(Int(wait.rounded(.up))) s"
        case .identityRequired(let id): "event '\(id)' needs a signed identity token in 'identity_token'"
        case .invalidIdentity(let why): "the identity token is not accepted: \(why)"
        case .proofRequired(let id, let bits):
            "event '\(id)' asks a proof-of-work: get a challenge from GET /v1/events/\(id)/challenge?user=USER and send "
                + "'pow': {\"challenge\", \"nonce\"} such that SHA-256(challenge + nonce) starts with \(bits) zero bits"
        case .proofInvalid(let why): "the proof-of-work is not accepted: \(why)"
        case .proofExpired: "the proof-of-work challenge has expired; get a new one"
        case .proofWrongUser: "the proof-of-work challenge was made for another user"
        case .unsupportedMediaType(let why): why
        case .storageBusy: "the database is busy; retry shortly"
        case .storageUnavailable(let why): "the database cannot be written: \(why)"
        case .shuttingDown: "the server is shutting down; retry shortly"
        case .internalError: "internal error"
        }
    }
}
