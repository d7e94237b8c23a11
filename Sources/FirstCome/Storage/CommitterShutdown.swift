import ServiceLifecycle

/// On graceful shutdown, waits until every queued submission has committed.
/// It is stopped after the HTTP server, which has by then drained its requests.
struct CommitterShutdown: Service {
    let committer: GroupCommitter

    func run() async throws {
        try? await gracefulShutdown()
        await committer.close()
    }
}
