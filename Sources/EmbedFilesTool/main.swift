import Foundation

// Usage: EmbedFilesTool OUTPUT.swift OPENAPI.yaml FILE...
// Writes a Swift file holding the OpenAPI document, the migrations (FILEs ending
// in .sql, in name order) and the page templates (FILEs ending in .mustache).

func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\(hashes)") { hashes += "#" }
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: EmbedFilesTool OUTPUT OPENAPI MIGRATION...\n".utf8))
    exit(2)
}
let output = arguments[arguments.startIndex]
let openAPIPath = arguments[arguments.startIndex + 1]
let filePaths = arguments.dropFirst(2).sorted { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }
let migrationPaths = filePaths.filter { $0.hasSuffix(".sql") && !$0.contains("/migrations/postgres/") }
let postgresMigrationPaths = filePaths.filter { $0.hasSuffix(".sql") && $0.contains("/migrations/postgres/") }
let templatePaths = filePaths.filter { $0.hasSuffix(".mustache") }

do {
    var source = "// Generated from migrations/*.sql, migrations/postgres/*.sql, templates/*.mustache and openapi.yaml at build time. Do not edit.\n\n"
    source += "enum EmbeddedFiles {\n"
    let openAPI = try String(contentsOfFile: openAPIPath, encoding: .utf8)
    source += "    static let openAPI: String = \(literal(openAPI))\n\n"
    /// `static let NAME: [(name: String, FIELD: String)]` holding each file by its base name.
    func table(_ name: String, field: String, _ paths: [String]) throws -> String {
        var text = "    static let \(name): [(name: String, \(field): String)] = [\n"
        for path in paths {
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let contents = try String(contentsOfFile: path, encoding: .utf8)
            text += "        (name: \(literal(base)), \(field): \(literal(contents))),\n"
        }
        return text + "    ]\n"
    }
    source += try table("migrations", field: "sql", migrationPaths) + "\n"
    source += try table("postgresMigrations", field: "sql", postgresMigrationPaths) + "\n"
    source += try table("templates", field: "text", templatePaths) + "}\n"
    let existing = try? String(contentsOfFile: output, encoding: .utf8)
    if existing != source {
        try source.write(toFile: output, atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("EmbedFilesTool: \(error)\n".utf8))
    exit(1)
}
