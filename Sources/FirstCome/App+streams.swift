import Hummingbird
import HummingbirdCore
import Logging

/// The entrant routes' controller of one service instance (the router's, and
/// the renderer of the streams served on the event loop).
func entryController(_ services: FirstComeServices) -> EntryController<AppRequestContext> {
    EntryController<AppRequestContext>(
        committer: services.committer, store: services.store, metrics: services.metrics, identity: IdentityVerifier(),
        perUser: services.limits.perUser, admission: services.admission,
        proofs: ProofOfWork(key: services.store.live.tokens.derivedKey("proof-of-work")), clock: Timestamp.now)
}

/// The public listener's HTTP/1.1: as `server(_:)`, and a connection opened for a
/// live-update stream, and submissions and polls, are served without a task
/// (`StreamingHTTP1Channel`).
func streamingServer(_ settings: AppSettings, services: FirstComeServices, serverName: String) -> HTTPServerBuilder {
    let entries = entryController(services)
    let streams = EventStreams(
        store: services.store, heartbeat: settings.liveUpdateHeartbeat, minimumGap: settings.tickInterval,
        renderNow: { entries.pollReplyNow($0)?.json }, render: { try await entries.pollReply($0).json },
        perClient: services.limits.perClient, perToken: services.limits.perUser, counts: services.limits.streams,
        clients: ClientAddress(trustedProxies: settings.trustedProxies), metrics: services.metrics,
        accessLog: settings.accessLog ? services.logger : nil, serverName: serverName)
    let configuration = http1Configuration(settings)
    return HTTPServerBuilder { responder in
        StreamingHTTP1Channel(
            http: HTTP1Channel(responder: responder, configuration: configuration), streams: streams,
            lane: EntrantLane(entries: entries, streams: streams, logger: services.logger), budget: services.connections)
    }
}
