import Foundation
import Testing

@testable import FirstCome

/// One forged copy of an honest export, made as scripts/audit-crosscheck makes
/// it, and what both verifiers must say of it.
struct Forgery: Sendable, CustomTestStringConvertible {
    typealias Edit = @Sendable (inout ForgedExport) throws -> Void

    let name: String
    let base: ForgeryBase
    /// Whether every hash is recomputed after the edit (the script's `rechain`).
    var rechained = true
    /// Text audit-verify.py's refusal must contain (the script's reason), and AuditVerifier's.
    var pythonReason: String?
    var swiftReason: String?
    /// A last change to the file's text (a byte-order mark, a missing line feed).
    var finish: @Sendable (String) -> String = { $0 }
    let edit: Edit

    var testDescription: String { name }

    /// A copy edited without recomputing any hash.
    static func kept(_ name: String, _ base: ForgeryBase, _ edit: @escaping Edit) -> Forgery {
        Forgery(name: name, base: base, rechained: false, edit: edit)
    }

    /// A copy whose hashes were all recomputed after the edit; when given, each
    /// verifier's refusal must contain its reason.
    static func rechained(_ name: String, _ base: ForgeryBase, python: String? = nil, swift: String? = nil, _ edit: @escaping Edit) -> Forgery {
        Forgery(name: name, base: base, pythonReason: python, swiftReason: swift, edit: edit)
    }

    /// The forged file's text.
    func text(in scenario: ForgeryScenario) throws -> String {
        var export = ForgedExport(lines: try scenario.lines(base))
        try edit(&export)
        if rechained { try export.rechain() }
        return finish(export.text)
    }

    /// Makes the copy and expects AuditVerifier and audit-verify.py to refuse it
    /// (for the reasons given).
    func expectRefused() async throws {
        let scenario = try await ForgeryScenario.shared.value
        let text = try text(in: scenario)
        let honest = try scenario.text(base)
        #expect(!text.utf8.elementsEqual(honest.utf8), "\(name): the forgery changes nothing")
        switch TwoVerifiers.swift(text) {
        case .success(let report):
            Issue.record("AuditVerifier accepts \(name): \(report)")
        case .failure(let failure):
            if let swiftReason { #expect(failure.description.containsText(swiftReason), "\(name): AuditVerifier says \(failure)") }
        }
        let python = try TwoVerifiers.python(text)
        #expect(python.refused, "\(name): audit-verify.py says \(python.output)")
        if let pythonReason { #expect(python.output.containsText(pythonReason), "\(name): audit-verify.py says \(python.output)") }
    }
}

extension Forgery {
    /// A new control line after the last one (position + 1) carrying `record`.
    static func appendControl(_ export: inout ForgedExport, record: String) throws {
        let last = try export.indexes("control").last ?? 0
        let line = try ForgedExport.parse(export.lines[last])
        let appended = line.with("position", .integer(try line.int("position") + 1)).with("record", .string(record))
        export.lines.insert(appended.canonical, at: last + 1)
    }

    /// A patch action record at `at` with `patch` (JSON text) as its body.
    static func patchRecord(at: Int64, _ patch: String) -> String {
        #"{"type":"action","at":\#(at),"action":{"patch":\#(patch)}}"#
    }
}
