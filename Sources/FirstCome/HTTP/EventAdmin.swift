import Logging

/// The admin changes to events, each logged in one line: the JSON API and the
/// operator console both make them here.
struct EventAdmin: Sendable {
    let store: any EntryStore
    let logger: Logger

    /// Creates `new` at `now`; throws `.eventExists`.
    func create(_ new: NewEvent, now: Int64) async throws -> Event {
        let event = try await store.createEvent(new, now: now)
        logger.info(
            "event created",
            metadata: [
                "event": "\(event.id)", "prizes": "\(event.prizes)", "mode": "\(event.mode.rawValue)",
                "webhook": "\(new.webhook?.url ?? "none")",
            ])
        return event
    }

    /// Applies `patch` to event `id` at `now`; throws `.eventNotFound` or `.eventSoldOut`.
    func update(id: String, patch: EventPatch, now: Int64) async throws -> Event {
        let event = try await store.updateEvent(id: id, patch: patch, now: now)
        logger.info("event changed", metadata: ["event": "\(id)", "change": "\(patch.patchAction ?? "claim instructions")", "state": "\(event.state(at: now).rawValue)"])
        return event
    }
}
