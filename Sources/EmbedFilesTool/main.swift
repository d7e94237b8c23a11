import Foundation

// Usage: EmbedFilesTool OUTPUT.swift OPENAPI.yaml MIGRATION.sql...
// Writes a Swift file holding the OpenAPI document and the migrations (in name order).

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
let migrationPaths = arguments.dropFirst(2).sorted { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }

do {
    var source = "// Generated from migrations/*.sql and openapi.yaml at build time. Do not edit.\n\n"
    source += "enum EmbeddedFiles {\n"
    let openAPI = try String(contentsOfFile: openAPIPath, encoding: .utf8)
    source += "    static let openAPI: String = \(literal(openAPI))\n\n"
    source += "    static let migrations: [(name: String, sql: String)] = [\n"
    for path in migrationPaths {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let sql = try String(contentsOfFile: path, encoding: .utf8)
        source += "        (name: \(literal(name)), sql: \(literal(sql))),\n"
    }
    source += "    ]\n}\n"
    let existing = try? String(contentsOfFile: output, encoding: .utf8)
    if existing != source {
        try source.write(toFile: output, atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("EmbedFilesTool: \(error)\n".utf8))
    exit(1)
}
