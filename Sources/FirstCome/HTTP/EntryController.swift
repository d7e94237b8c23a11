import Hummingbird

/// Entrant routes: submit an entry, poll it by token. Their rules live here
/// (`enter`/`enterNow`, `limitPoll`, `pollReply`/`pollReplyNow`); the router's
/// routes below and the event-loop path (`EntrantLane.serve`, reached from
/// `EntrantLaneHandler` for a connection's first requests) both call them.
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
            object.integer("remaining", entry.remaining)
            object.raw("paused", entry.paused ? "true" : "false")
        }
        if let admission {
            var token = JSONObject()
            token.string("token", admission.jwt)
            token.string("expires_at", Timestamp.format(admission.expiresAt))
            object.raw("admission", token.json)
        }
        return object
    }

    /// The reply to a submission: 201 with a new entry, 200 with an existing one.
    static func submitReply(_ entered: Entered) -> (status: HTTPResponse.Status, body: JSONObject) {
        (entered.created ? .created : .ok, render(entered.entry, includeToken: true))
    }

    /// `POST /events/{id}/entries`
    func submitRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":id/challenge") { request, context in
            let id = try context.parameters.require("id")
            let event = try await store.liveEvent(id: id)
            guard let given = request.uri.queryParameters.get("user") else {
                throw FirstComeError.invalidRequest("give the user the challenge is for: ?user=USER")
            }
            let user = try EventRules.user(fromSent: given)
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
            let reply = Self.submitReply(try await enter(event: id, body: body))
            return Response.json(reply.body, status: reply.status)
        }
    }

    /// An entry recorded or found: the entry and whether it is new.
    typealias Entered = (entry: EntryView, created: Bool)

    /// Records an entry (for the API and the waiting page): the entry and whether
    /// it is new, or throws why it was refused.
    func enter(event id: String, body: SubmitRequest) async throws -> Entered {
        let event = try await store.liveEvent(id: id)
        return try await commit(try admit(body, user: try await entrant(of: body, event: event), event: event), event: id)
    }

    /// The entry the body's user already has, after the same checks as a submission
    /// (so it tells no more than entering again would); `nil`, with nothing recorded, for a user not in.
    func existing(event id: String, body: SubmitRequest) async throws -> EntryView? {
        let event = try await store.liveEvent(id: id)
        let user = try await entrant(of: body, event: event)
        let submission = try admit(body, user: user, event: event)
        guard try await store.seq(event: id, user: user) != nil else { return nil }
        return try await commit(submission, event: id).entry
    }

    private func commit(_ submission: Submission, event id: String) async throws -> Entered {
        let result: Result<SubmitResult, any Error>
        do {
            result = .success(try await committer.submit(submission))
        } catch {
            result = .failure(error)
        }
        return try entered(result, event: id)
    }

    /// `enter` without suspending, for a caller on an event loop, when nothing
    /// but the commit has to wait: the event is in memory and verifies no
    /// identity token. `answer` is called once, on the committing thread (or at
    /// once with a refusal), with what gives the outcome: call that where the
    /// reply is made, so the committing thread only passes it on. `false`:
    /// nothing was done, use `enter`.
    func enterNow(event id: String, body: SubmitRequest, answer: @escaping @Sendable (@escaping @Sendable () throws -> Entered) -> Void) -> Bool {
        guard let event = store.live.eventInMemory(id: id), event.identity == nil else { return false }
        let submission: Submission
        do {
            submission = try admit(body, user: try Self.namedUser(body), event: event)
        } catch {
            answer { throw error }
            return true
        }
        let metrics = metrics
        committer.submit(submission) { outcome in answer { try Self.entered(outcome.result(), event: id, metrics: metrics) } }
        return true
    }

    /// The checks between the entrant and the commit: the proof of work where the
    /// event asks one, and the per-user limit.
    private func admit(_ body: SubmitRequest, user: String, event: Event) throws -> Submission {
        if event.powBits > 0 {
            guard let proof = body.proof else { throw FirstComeError.proofRequired(event: event.id, bits: event.powBits) }
            try proofs.verify(challenge: proof.challenge, nonce: proof.nonce, eventKey: event.key, user: user, bits: event.powBits, now: clock())
        }
        try perUser?.admit(user: user, event: event.id)
        return Submission(event: event.id, user: user, payload: body.payload)
    }

    private func entered(_ result: Result<SubmitResult, any Error>, event id: String) throws -> Entered {
        try Self.entered(result, event: id, metrics: metrics)
    }

    /// What the commit made of a submission, counted in the metrics.
    private static func entered(_ result: Result<SubmitResult, any Error>, event id: String, metrics: FirstComeMetrics) throws -> Entered {
        switch result {
        case .failure(let error as FirstComeError):
            // Storage faults are counted without an event: the id is the caller's.
            metrics.recordSubmission(event: "", result: error.code)
            throw error
        case .failure(let error):
            throw error
        case .success(.created(let entry)):
            metrics.recordSubmission(event: id, result: "created")
            return (entry, true)
        case .success(.existing(let entry)):
            metrics.recordSubmission(event: id, result: "existing")
            return (entry, false)
        case .success(.rejected(let error)):
            // Unknown events are not counted: their ids come from the caller.
            if case .eventNotFound = error {} else { metrics.recordSubmission(event: id, result: error.code) }
            throw error
        }
    }

    /// The `user` field of an event that verifies no identity.
    private static func namedUser(_ body: SubmitRequest) throws -> String {
        guard let user = body.user else { throw FirstComeError.invalidRequest("missing field 'user'") }
        return user
    }

    /// The entry's user: the verified subject of the identity token where the event
    /// requires one, else the `user` field.
    func entrant(of body: SubmitRequest, event: Event) async throws -> String {
        guard let rule = event.identity else { return try Self.namedUser(body) }
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
        let seconds = try await store.liveEvent(id: entry.event).claim?.passLifetime
        return try await admission.token(event: entry.event, seq: entry.seq, now: Timestamp.now(), seconds: seconds) {
            try await store.user(event: entry.event, seq: entry.seq) ?? ""
        }
    }

    /// The per-token limit on polls, taken once per poll.
    func limitPoll(token: String) throws {
        try perUser?.admit(token: token)
    }

    /// `GET /entries/{token}`
    func pollRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":token") { _, context in
            let token = try context.parameters.require("token")
            try limitPoll(token: token)
            return Response.json(try await pollReply(try await store.entry(token: token)))
        }
    }
}
