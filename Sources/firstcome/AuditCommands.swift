import ArgumentParser
import FirstCome
import Foundation

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, export and query an event's hash-chained log.",
        subcommands: [AuditVerify.self, AuditExportCommand.self, AuditEntry.self])
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the chain and replay the award rules; exit 0 if all matches, 1 naming the first bad seq.",
        discussion: """
            Give --db and --event to check a database (safe while a server runs), or --file to check an export without one. \
            Besides the chains it checks what the rules allow (one entry per user, stored names, decisions in order, \
            never while paused nor before their entries, canonical lines and records; docs/AUDIT.md).

            With --commitment, the log must also match a commitment published earlier (GET /v1/events/ID/commitment, \
            saved to a file or fetched from its URL): a log whose hashes were all recomputed passes the chain checks \
            but not this one. An export is split into lines on \\n only, each line ends with one, and a blank line is an error.
            """)

    @OptionGroup var database: DatabaseOption

    @Option(help: "The event id (with --db).")
    var event: String?

    @Option(help: "A JSON Lines export made by 'audit export --format jsonl'.")
    var file: String?

    @Option(help: "A published commitment to compare with: a file, or an http(s) URL such as https://HOST/v1/events/ID/commitment.")
    var commitment: String?

    func validate() throws {
        if file == nil && event == nil { throw ValidationError("give --event (with --db) or --file") }
        if file != nil && event != nil { throw ValidationError("give either --event or --file, not both") }
    }

    func run() async throws {
        var verifier = AuditVerifier()
        let report: AuditVerifier.Report
        do {
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    printError("cannot read \(file)")
                    throw ExitCode.failure
                }
                // Read as bytes: decoding the file as text would drop a byte-order mark unseen.
                let bytes = [UInt8](data)
                guard !bytes.starts(with: [0xEF, 0xBB, 0xBF]) else {
                    throw AuditVerifier.Failure(message: "the file begins with a byte-order mark, which an export never has")
                }
                guard String(validating: bytes, as: UTF8.self) != nil else { throw AuditVerifier.Failure(message: "the file is not UTF-8") }
                var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                guard lines.last?.isEmpty == true else { throw AuditVerifier.Failure(message: "the last line does not end with a line feed") }
                lines.removeLast()
                for (number, line) in lines.enumerated() {
                    guard !line.isEmpty else { throw AuditVerifier.Failure(message: "line \(number + 1) is empty") }
                    try verifier.consume(String(decoding: line, as: UTF8.self))
                }
            } else if let event {
                try await database.withStore(.read) { opened in
                    try await AuditExport(store: opened.store).write(eventID: event, includePayload: false) { try verifier.consume($0) }
                }
            }
            report = try verifier.finish()
        } catch let failure as AuditVerifier.Failure {
            print("FAILED: \(failure)")
            throw ExitCode.failure
        }
        if let commitment {
            let published: [String: Any]
            do {
                published = try await CommitmentCheck.load(commitment)
            } catch {
                printError("\(error)")
                throw ExitCode.failure
            }
            let differences = CommitmentCheck.differences(report, published)
            guard differences.isEmpty else {
                print("FAILED: the log does not match the commitment: " + differences.joined(separator: "; "))
                throw ExitCode.failure
            }
        }
        print("""
            verified event '\(report.event)': \(report.entries) entries, chain intact, decisions follow the award rule
            winners: \(report.winners), expired: \(report.expired), lost: \(report.lost), waiting: \(report.waiting)
            head: \(report.head)
            control head: \(report.controlHead)
            winners digest: \(report.winnersDigest)
            """ + (report.drawn.map { "\ndraw: replayed from the revealed secret, \($0) places match" } ?? "")
                + (commitment == nil ? "" : "\ncommitment: matches \(commitment ?? "")"))
    }
}

struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an event's full log: JSON Lines (verifiable offline) or CSV (entries only).")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The event id.")
    var event: String

    @Option(help: "jsonl or csv.")
    var format: String = "jsonl"

    @Flag(help: "Include each entry's payload (it is always covered by its digest).")
    var includePayload = false

    @Option(help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        guard format == "jsonl" || format == "csv" else { throw ValidationError("--format must be jsonl or csv") }
        var sink = try OutputSink(path: output)
        let csv = format == "csv"
        if csv { sink.write(AuditExport.csvHeader(includePayload: includePayload)) }
        try await database.withStore(.read) { opened in
            try await AuditExport(store: opened.store).write(eventID: event, includePayload: includePayload) { line in
                if !csv {
                    sink.write(line + "\n")
                } else if let row = AuditExport.csvRow(line, includePayload: includePayload) {
                    sink.write(row)
                }
            }
        }
        sink.close()
    }
}

struct AuditEntry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Show one person's entry in the log: seq, status, times, receipt and the decision that settled it.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The event id.")
    var event: String

    @Option(help: "The entrant's user id.")
    var user: String

    func run() async throws {
        let report = try await database.withStore(.read) { opened in
            try await AuditExport(store: opened.store).entryReport(eventID: event, user: user)
        }
        guard let text = report else {
            printError("no entry of '\(user)' in event '\(event)'")
            throw ExitCode.failure
        }
        print(text)
    }
}

/// Standard output or a file.
struct OutputSink {
    let handle: FileHandle

    init(path: String?) throws {
        guard let path else {
            handle = .standardOutput
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil) , let file = FileHandle(forWritingAtPath: path) else {
            printError("cannot write \(path)")
            throw ExitCode.failure
        }
        handle = file
    }

    mutating func write(_ text: String) {
        handle.write(Data(text.utf8))
    }

    func close() {
        if handle !== FileHandle.standardOutput { try? handle.close() }
    }
}
