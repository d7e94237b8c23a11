import Hummingbird

/// Health check and the API description.
struct SystemController<Context: RequestContext> {
    /// `GET /healthz`, `GET /openapi.yaml`
    func routes(_ router: Router<Context>) {
        // The application is only built after the database is open and migrated.
        router.get("healthz") { _, _ in
            Response.json("{\"status\":\"ok\"}")
        }
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: EmbeddedFiles.openAPI)))
        }
    }
}
