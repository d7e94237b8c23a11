import Foundation
import PackagePlugin

/// Embeds the package's `migrations/*.sql` (SQLite), `migrations/postgres/*.sql`, `templates/*.mustache` and `openapi.yaml` into the target as
/// Swift string literals, so the built binary needs no files beside it.
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let migrationsDir = root.appending(path: "migrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: migrationsDir.path(percentEncoded: false))
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        let postgresDir = migrationsDir.appending(path: "postgres")
        let postgresNames = try FileManager.default.contentsOfDirectory(atPath: postgresDir.path(percentEncoded: false))
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        let migrations = names.map { migrationsDir.appending(path: $0) } + postgresNames.map { postgresDir.appending(path: $0) }
        let templatesDir = root.appending(path: "templates")
        let templates = try FileManager.default.contentsOfDirectory(atPath: templatesDir.path(percentEncoded: false))
            .filter { $0.hasSuffix(".mustache") }
            .sorted()
            .map { templatesDir.appending(path: $0) }
        let openAPI = root.appending(path: "openapi.yaml")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(migrations.count) migrations, \(templates.count) templates and openapi.yaml",
                executable: try context.tool(named: "EmbedFilesTool").url,
                arguments: [output.path(percentEncoded: false), openAPI.path(percentEncoded: false)]
                    + (migrations + templates).map { $0.path(percentEncoded: false) },
                inputFiles: migrations + templates + [openAPI, migrationsDir, postgresDir, templatesDir],
                outputFiles: [output]
            )
        ]
    }
}
