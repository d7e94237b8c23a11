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
let migrationPaths = filePaths.filter { $0.hasSuffix(".sql") }
let templatePaths = filePaths.filter { $0.hasSuffix(".mustache") }

do {
    var source = "// Generated from migrations/*.sql, templates/*.mustache and openapi.yaml at build time. Do not edit.\n\n"
    source += "enum EmbeddedFiles {\n"
    let openAPI = try String(contentsOfFile: openAPIPath, encoding: .utf8)
    source += "    static let openAPI: String = \(literal(openAPI))\n\n"
    source += "    static let migrations: [(name: String, sql: String)] = [\n"
    for path in migrationPaths {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let sql = try String(contentsOfFile: path, encoding: .utf8)
        source += "        (name: \(literal(name)), sql: \(literal(sql))),\n"
    }
    source += "    ]\n\n"
    source += "    static let templates: [(name: String, text: String)] = [\n"
    for path in templatePaths {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let text = try String(contentsOfFile: path, encoding: .utf8)
        source += "        (name: \(literal(name)), text: \(literal(text))),\n"
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
