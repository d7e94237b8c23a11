import Hummingbird

/// `GET /v1/events/{id}/commitment`: once an event is drained, the figures that
/// pin its log down: anyone holding an export can check them.
struct CommitmentController<Context: RequestContext> {
    let store: any EntryStore
    let clock: @Sendable () -> Int64

    func routes(_ routes: RouteCollection<Context>) {
        routes.get(":id/commitment") { _, context in
            Response.json(try await Commitment.json(store: store, id: try context.parameters.require("id"), now: clock()))
        }
    }
}
