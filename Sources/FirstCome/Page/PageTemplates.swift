import Foundation
import Mustache

/// The waiting page's Mustache templates: the built-in ones (embedded from
/// `templates/`), or an operator's folder given with `--templates DIR`, which must
/// hold `page.mustache` and may hold partials it includes.
public struct PageTemplates: Sendable {
    /// Why a templates folder cannot be used.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    let library: MustacheLibrary

    /// The templates built into the binary.
    public static func builtIn() throws -> PageTemplates {
        var library = MustacheLibrary()
        for template in EmbeddedFiles.templates { try library.register(template.text, named: template.name) }
        return PageTemplates(library: library)
    }

    /// Loads every `*.mustache` file of `directory`; checks `page.mustache` is there.
    public init(directory: String) async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LoadError(description: "templates folder \(directory) does not exist")
        }
        let library: MustacheLibrary
        do {
            library = try await MustacheLibrary(directory: directory)
        } catch let error as MustacheLibrary.ParserError {
            throw LoadError(description: "template \(error.filename) does not parse: \(error.error) at line \(error.context.lineNumber)")
        }
        guard library.getTemplate(named: "page") != nil else {
            throw LoadError(description: "templates folder \(directory) has no page.mustache")
        }
        self.init(library: library)
    }

    init(library: MustacheLibrary) {
        self.library = library
    }

    /// Renders the page with `context` (see `WaitingPage` for its keys).
    func render(_ context: [String: Any]) -> String {
        library.render(context, withTemplate: "page") ?? ""
    }
}
