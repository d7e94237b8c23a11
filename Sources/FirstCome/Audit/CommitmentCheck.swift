import AsyncHTTPClient
import Foundation

/// `audit verify --commitment FILE|URL`: compares a verified log with a
/// commitment published earlier (`GET /v1/events/{id}/commitment`), so a log
/// re-chained from scratch cannot pass unnoticed.
public enum CommitmentCheck {
    /// Why a commitment could not be read.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The commitment's JSON object, from a file or an http(s) URL.
    public static func load(_ source: String) async throws -> [String: Any] {
        let data: Data
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            do {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: source), timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                guard response.status.code == 200 else {
                    throw LoadError(description: "\(source) answered \(response.status.code): \(String(buffer: body).prefix(200))")
                }
                data = Data(buffer: body)
            } catch let error as LoadError {
                throw error
            } catch {
                throw LoadError(description: "cannot fetch \(source): \(error)")
            }
        } else {
            guard let contents = FileManager.default.contents(atPath: source) else { throw LoadError(description: "cannot read \(source)") }
            data = contents
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LoadError(description: "\(source) is not a commitment (a JSON object)")
        }
        return object
    }

    /// The keys of a commitment, in the order the service writes them; no other key is allowed.
    static let keys = ["event", "entries", "head", "control_head", "winners", "winners_digest", "rules"]

    /// The fields where the log and the commitment differ, or where the
    /// commitment is not one the service writes (a missing or extra key, a
    /// number given as a string, rules other than the log's); empty when they agree.
    public static func differences(_ report: AuditVerifier.Report, _ commitment: [String: Any]) -> [String] {
        var found: [String] = []
        for key in Set(commitment.keys).subtracting(keys).sorted() { found.append("\(key): the commitment has a field the service never writes") }
        func text(_ field: String, _ mine: String) {
            guard let theirs = commitment[field] as? String else {
                return found.append("\(field): the commitment \(commitment[field] == nil ? "lacks it" : "gives it as another type than a string")")
            }
            if !theirs.utf8.elementsEqual(mine.utf8) { found.append("\(field): the log gives \(mine), the commitment \(theirs)") }
        }
        func number(_ field: String, _ mine: Int64) {
            guard let theirs = integer(commitment[field]) else {
                return found.append("\(field): the commitment \(commitment[field] == nil ? "lacks it" : "gives it as another type than an integer")")
            }
            if theirs != mine { found.append("\(field): the log gives \(mine), the commitment \(theirs)") }
        }
        text("event", report.event)
        number("entries", report.entries)
        text("head", report.head)
        text("control_head", report.controlHead)
        number("winners", report.winners)
        text("winners_digest", report.winnersDigest)
        if let rules = commitment["rules"] as? [String: Any] {
            if let canonical = canonicalRules(rules), canonical.utf8.elementsEqual(report.rules.utf8) {
            } else {
                found.append("rules: the commitment's rules are not the log's \(report.rules)")
            }
        } else {
            found.append("rules: the commitment \(commitment["rules"] == nil ? "lacks them" : "gives them as another type than an object")")
        }
        return found
    }

    /// A JSON integer as Foundation parsed it: not `true`, `"8"`, `2.0` or `1e3`.
    static func integer(_ value: Any?) -> Int64? {
        guard let number = value as? NSNumber, !(value is String) else { return nil }
        switch String(cString: number.objCType) {
        case "c", "d", "f": return nil
        default: return number.int64Value
        }
    }

    /// A commitment's rules object written as the rules text (docs/AUDIT.md §4),
    /// or `nil` when it has a key, type or value the rules never have.
    static func canonicalRules(_ rules: [String: Any]) -> String? {
        let allowed: Set<String> = ["event", "prizes", "mode", "order", "seed_commitment", "beacon", "created_at"]
        guard Set(rules.keys).isSubset(of: allowed), let event = rules["event"] as? String,
            let prizes = integer(rules["prizes"]), let created = integer(rules["created_at"]),
            let mode = (rules["mode"] as? String).flatMap(EventMode.init(rawValue:))
        else { return nil }
        let order: EventOrder
        if let name = rules["order"] {
            guard let name = name as? String, let parsed = EventOrder(rawValue: name), parsed.draws else { return nil }
            order = parsed
        } else {
            guard rules["seed_commitment"] == nil, rules["beacon"] == nil else { return nil }
            order = .fifo
        }
        if rules["seed_commitment"] != nil && !(rules["seed_commitment"] is String) { return nil }
        if rules["beacon"] != nil && !(rules["beacon"] is String) { return nil }
        return AuditRecords.rules(
            event: event, prizes: prizes, mode: mode, createdAt: created, order: order,
            seedCommitment: rules["seed_commitment"] as? String ?? "", beacon: rules["beacon"] as? String)
    }
}
