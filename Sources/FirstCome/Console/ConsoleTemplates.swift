import Mustache

/// The console's Mustache templates, always the built-in ones
/// (`templates/console-*.mustache`, embedded like the waiting page's): an
/// operator's `--templates` folder restyles the public page only.
struct ConsoleTemplates: Sendable {
    let library: MustacheLibrary

    static let builtIn: ConsoleTemplates = {
        var library = MustacheLibrary()
        for template in EmbeddedFiles.templates where template.name.hasPrefix("console-") {
            // The files are part of the build: one that does not parse fails the console tests.
            try? library.register(template.text, named: template.name)
        }
        return ConsoleTemplates(library: library)
    }()

    /// Renders `console-NAME` with `context`.
    func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: "console-" + name) ?? ""
    }
}
