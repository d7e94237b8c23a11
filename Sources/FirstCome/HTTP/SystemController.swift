import Hummingbird

/// Health check, metrics and the API description.
struct SystemController<Context: RequestContext> {
    let store: any EntryStore
    let metrics: FirstComeMetrics
    let committer: GroupCommitter

    /// `GET /metrics`
    func metricsRoutes(_ router: Router<Context>) {
        router.get("metrics") { _, _ in
            metrics.recordPending(committer.pending)
            metrics.update(events: try await store.listEvents())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
    }

    /// `GET /healthz`
    func healthRoutes(_ router: Router<Context>) {
        // The application is only built after the database is open and migrated.
        router.get("healthz") { _, _ in
            Response.json("{\"status\":\"ok\"}")
        }
    }

    /// `GET /openapi.yaml`
    func documentRoutes(_ router: Router<Context>) {
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: EmbeddedFiles.openAPI)))
        }
    }
}
