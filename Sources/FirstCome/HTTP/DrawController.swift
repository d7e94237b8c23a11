import Hummingbird
import Logging

/// The draw of a shuffled or lottery event: `GET /v1/events/{id}/draw` (public)
/// and `POST /v1/events/{id}/beacon` (admin: the beacon value the draw waits for).
struct DrawController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64
    var logger = Logger(label: "firstcome")

    func publicRoutes(_ routes: RouteCollection<Context>) {
        routes.get(":id/draw") { _, context in
            Response.json(try await DrawRecord.json(store: store, id: try context.parameters.require("id")))
        }
    }

    func adminRoutes(_ routes: RouteCollection<Context>) {
        routes.post(":id/beacon") { request, context in
            let id = try context.parameters.require("id")
            let body = try await JSONBody.decode(BeaconRequest.self, from: request)
            let now = clock()
            let event = try await store.postBeacon(event: id, value: body.value, now: now)
            logger.info("beacon value posted", metadata: ["event": "\(id)", "value": "\(body.value)"])
            return EventJSON.response(event, now: now)
        }
    }
}

/// Body of `POST /v1/events/{id}/beacon`: `{"value": "…"}`.
struct BeaconRequest: Decodable {
    let value: String

    enum CodingKeys: String, CodingKey, CaseIterable { case value }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        value = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .value)
    }
}
