import Foundation

@testable import FirstCome

/// The two verifiers of an export file: `AuditVerifier` in process, and the
/// independent scripts/audit-verify.py, run with the arguments
/// scripts/audit-crosscheck gives it (`PATH [--commitment FILE]`).
enum TwoVerifiers {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var script: String { root.appending(path: "scripts/audit-verify.py").path(percentEncoded: false) }
    /// The interpreter `python3` names on the PATH, looked up once (a version
    /// manager's shim would start a shell before every run).
    static let python: String = {
        guard let found = try? Binary.runProcess("/usr/bin/env", ["python3", "-c", "import sys; print(sys.executable)"]), found.status == 0
        else { return "python3" }
        let path = found.out.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? "python3" : path
    }()

    /// What audit-verify.py printed and how it exited.
    struct PythonVerdict {
        let status: Int32
        let output: String
        /// `OK …`, exit 0.
        var accepted: Bool { status == 0 && output.hasPrefix("OK ") }
        /// `FAIL: …`, exit 1 (a crash of the script is neither).
        var refused: Bool { status == 1 && output.hasPrefix("FAIL: ") }
    }

    /// AuditVerifier over a file's text, split into lines on line feeds as
    /// `audit verify --file` splits a file (a blank line is fed as one; the
    /// file's last line feed ends the last line).
    static func swift(_ text: String) -> Result<AuditVerifier.Report, AuditVerifier.Failure> {
        var verifier = AuditVerifier()
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        do {
            for line in lines { try verifier.consume(String(decoding: line, as: UTF8.self)) }
            return .success(try verifier.finish())
        } catch let failure as AuditVerifier.Failure {
            return .failure(failure)
        } catch {
            return .failure(AuditVerifier.Failure(message: "\(error)"))
        }
    }

    /// audit-verify.py on the text written to a file, with a commitment file when given.
    static func python(_ text: String, commitment: String? = nil) throws -> PythonVerdict {
        try withFiles(text, commitment) { export, commitment in
            let result = try Binary.runProcess(
                "/usr/bin/env", [python, script, export] + (commitment.map { ["--commitment", $0] } ?? []))
            return PythonVerdict(status: result.status, output: result.out.trimmingCharacters(in: .whitespacesAndNewlines) + result.err)
        }
    }

    /// `firstcome audit verify --file` on the text written to a file: exit status and output.
    static func cli(_ text: String) throws -> (status: Int32, out: String) {
        try withFiles(text, nil) { export, _ in
            let result = try Binary.run(["audit", "verify", "--file", export])
            return (result.status, result.out + result.err)
        }
    }

    /// What `audit verify --commitment FILE` finds between a verified log and a commitment file's text.
    static func commitmentDifferences(_ report: AuditVerifier.Report, _ commitment: String) async throws -> [String] {
        let folder = try TemporaryDatabase()
        defer { folder.remove() }
        let path = folder.directory.appending(path: "commitment.json").path(percentEncoded: false)
        try Data(commitment.utf8).write(to: URL(fileURLWithPath: path))
        return CommitmentCheck.differences(report, try await CommitmentCheck.load(path))
    }

    /// Runs `body` with the export (and commitment) written to files in a fresh folder, removed afterwards.
    private static func withFiles<T>(_ export: String, _ commitment: String?, _ body: (String, String?) throws -> T) throws -> T {
        let folder = try TemporaryDatabase()
        defer { folder.remove() }
        let exportPath = folder.directory.appending(path: "export.jsonl").path(percentEncoded: false)
        try Data(export.utf8).write(to: URL(fileURLWithPath: exportPath))
        var commitmentPath: String?
        if let commitment {
            commitmentPath = folder.directory.appending(path: "commitment.json").path(percentEncoded: false)
            try Data(commitment.utf8).write(to: URL(fileURLWithPath: commitmentPath!))
        }
        return try body(exportPath, commitmentPath)
    }
}
