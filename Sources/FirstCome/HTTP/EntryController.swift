import Hummingbird

/// Entrant routes: submit an entry, poll it by token.
struct EntryController<Context: RequestContext> {
    let committer: GroupCommitter
    let store: any EntryStore
    let metrics: FirstComeMetrics
    let identity: IdentityVerifier
    /// Per-user (submit) and per-token (poll) limit, if configured.
    let perUser: RateLimiter?
    /// Signs winners' admission tokens, if configured.
    let admission: AdmissionIssuer?
    /// Makes and checks proof-of-work challenges.
    let proofs: ProofOfWork
    let clock: @Sendable () -> Int64

    /// Reply to a submission (with the token) and to a poll (without).
    static func render(_ entry: EntryView, includeToken: Bool, admission: AdmissionIssuer.Token? = nil) -> JSONObject {
        var object = JSONObject()
        object.string("event", entry.event)
        object.integer("seq", entry.seq)
        if includeToken { object.string("token", entry.token) }
        object.string("status", entry.status.rawValue)
        object.integer("place", entry.place)
        object.integer("position", entry.position)
        object.integer("serving", entry.serving)
        if let decidedAt = entry.decidedAt { object.string("decided_at", Timestamp.format(decidedAt)) }
        object.string("receipt", entry.receipt)
        if !includeToken {
            object.raw("estimated_wait_s", entry.estimatedWait.map { String(Int64($0)) } ?? "null")
        }
        if let admission {
            var token = JSONObject()
            token.string("token", admission.jwt)
            token.string("expires_at", Timestamp.format(admission.expiresAt))
            object.raw("admission", token.json)
        }
        return object
    }

    /// `POST /events/{id}/entries`
    func submitRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":id/challenge") { request, context in
            let id = try context.parameters.require("id")
            let event = try await store.currentEvent(id: id)
            guard let given = request.uri.queryParameters.get("user") else {
                throw FirstComeError.invalidRequest("give the user the challenge is for: ?user=USER")
            }
            let user = EventRules.normalizedUser(given)
            try EventRules.checkUser(user)
            let made = proofs.challenge(eventKey: event.key, user: user, now: clock())
            var object = JSONObject()
            object.string("event", id)
            object.string("challenge", made.challenge)
            object.integer("pow_bits", event.powBits)
            object.string("expires_at", Timestamp.format(made.expiresAt))
            return Response.json(object.json)
        }
        routes.post(":id/entries") { request, context in
            let id = try context.parameters.require("id")
            let body = try SubmitRequest.parse(try await JSONBody.bytes(from: request))
            let (entry, created) = try await enter(event: id, body: body)
            return Response.json(Self.render(entry, includeToken: true), status: created ? .created : .ok)
        }
    }

    /// Records an entry (for the API and the waiting page): the entry and whether
    /// it is new, or throws why it was refused.
    func enter(event id: String, body: SubmitRequest) async throws -> (entry: EntryView, created: Bool) {
        let event = try await store.currentEvent(id: id)
        let user = try await entrant(of: body, event: event)
        if event.powBits > 0 {
            guard let proof = body.proof else { throw FirstComeError.proofRequired(event: id, bits: event.powBits) }
            try proofs.verify(challenge: proof.challenge, nonce: proof.nonce, eventKey: event.key, user: user, bits: event.powBits, now: clock())
        }
        if let wait = perUser?.acquire("user:\(id)\n\(user)") { throw FirstComeError.rateLimited(retryAfter: wait) }
        let result: SubmitResult
        do {
            result = try await committer.submit(Submission(event: id, user: user, payload: body.payload))
        } catch let error as FirstComeError {
            // Storage faults are counted without an event: the id is the caller's.
            metrics.recordSubmission(event: "", result: error.code)
            throw error
        }
        switch result {
        case .created(let entry):
            metrics.recordSubmission(event: id, result: "created")
            return (entry, true)
        case .existing(let entry):
            metrics.recordSubmission(event: id, result: "existing")
            return (entry, false)
        case .rejected(let error):
            // Unknown events are not counted: their ids come from the caller.
            if case .eventNotFound = error {} else { metrics.recordSubmission(event: id, result: error.code) }
            throw error
        }
    }

    /// The entry's user: the verified subject of the identity token where the event
    /// requires one, else the `user` field.
    func entrant(of body: SubmitRequest, event: Event) async throws -> String {
        guard let rule = event.identity else {
            guard let user = body.user else { throw FirstComeError.invalidRequest("missing field 'user'") }
            return user
        }
        guard let token = body.identityToken else { throw FirstComeError.identityRequired(event.id) }
        let subject = try await identity.subject(of: token, rule: rule)
        if let user = body.user, user != subject {
            throw FirstComeError.invalidIdentity("'user' differs from the token's subject")
        }
        return subject
    }

    /// The poll reply of an entry, with the admission token for a winner.
    func pollReply(_ entry: EntryView) async throws -> JSONObject {
        Self.render(entry, includeToken: false, admission: try await admissionToken(for: entry))
    }

    /// The poll reply when it needs no admission token (anything but a winner,
    /// or no issuer); `nil` means it has to come from `pollReply`.
    func pollReplyNow(_ entry: EntryView) -> JSONObject? {
        guard entry.status != .won || admission == nil else { return nil }
        return Self.render(entry, includeToken: false)
    }

    /// A winner's admission token (`nil` for other entries or without an issuer).
    func admissionToken(for entry: EntryView) async throws -> AdmissionIssuer.Token? {
        guard entry.status == .won, let admission else { return nil }
        return try await admission.token(event: entry.event, seq: entry.seq, now: Timestamp.now()) {
            try await store.user(event: entry.event, seq: entry.seq) ?? ""
        }
    }

    /// `GET /entries/{token}`
    func pollRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":token") { _, context in
            let token = try context.parameters.require("token")
            if let wait = perUser?.acquire("token:" + token) { throw FirstComeError.rateLimited(retryAfter: wait) }
            return Response.json(try await pollReply(try await store.entry(token: token)))
        }
    }
}
