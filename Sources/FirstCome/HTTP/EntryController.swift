import Foundation
import Hummingbird

/// Entrant routes: submit an entry, poll it by token.
struct EntryController<Context: RequestContext> {
    let committer: GroupCommitter
    let store: any EntryStore
    let metrics: FirstComeMetrics

    /// Body of `POST /v1/events/{id}/entries`.
    struct SubmitRequest: Decodable {
        let user: String
        let payload: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case user, payload }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            user = try container.decode(String.self, forKey: .user)
            try EventRules.checkUser(user)
            guard let value = try container.decodeIfPresent(JSONValue.self, forKey: .payload), value != .null else {
                payload = nil
                return
            }
            guard case .object = value else { throw FirstComeError.invalidRequest("'payload' must be a JSON object") }
            guard value.depth <= 16 else { throw FirstComeError.invalidRequest("'payload' is nested deeper than 16 levels") }
            let text = try value.compactText()
            guard text.utf8.count <= EventRules.maxPayloadBytes else {
                throw FirstComeError.payloadTooLarge("'payload' is larger than \(EventRules.maxPayloadBytes) bytes")
            }
            payload = text
        }
    }

    /// Reply to a submission (with the token) and to a poll (without).
    static func render(_ entry: EntryView, includeToken: Bool) -> String {
        var object = JSONObject()
        object.string("event", entry.event)
        object.integer("seq", entry.seq)
        if includeToken { object.string("token", entry.token) }
        object.string("status", entry.status.rawValue)
        object.integer("position", entry.position)
        object.integer("serving", entry.serving)
        if let decidedAt = entry.decidedAt { object.string("decided_at", Timestamp.format(decidedAt)) }
        return object.json
    }

    /// `POST /events/{id}/entries`
    func submitRoutes(_ routes: RouteCollection<Context>) {
        routes.post(":id/entries") { request, context in
            let id = try context.parameters.require("id")
            let body = try await JSONBody.decode(SubmitRequest.self, from: request)
            let result: SubmitResult
            do {
                result = try await committer.submit(Submission(event: id, user: body.user, payload: body.payload))
            } catch let error as FirstComeError {
                // Storage faults are counted without an event: the id is the caller's.
                metrics.recordSubmission(event: "", result: error.code)
                throw error
            }
            switch result {
            case .created(let entry):
                metrics.recordSubmission(event: id, result: "created")
                return Response.json(Self.render(entry, includeToken: true), status: .created)
            case .existing(let entry):
                metrics.recordSubmission(event: id, result: "existing")
                return Response.json(Self.render(entry, includeToken: true))
            case .rejected(let error):
                // Unknown events are not counted: their ids come from the caller.
                if case .eventNotFound = error {} else { metrics.recordSubmission(event: id, result: error.code) }
                throw error
            }
        }
    }

    /// `GET /entries/{token}`
    func pollRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":token") { _, context in
            let token = try context.parameters.require("token")
            return Response.json(Self.render(try await store.entry(token: token), includeToken: false))
        }
    }
}
