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

    /// The fields where the log and the commitment differ (empty when they agree).
    public static func differences(_ report: AuditVerifier.Report, _ commitment: [String: Any]) -> [String] {
        var found: [String] = []
        func compare(_ field: String, _ mine: String, _ theirs: Any?) {
            let text = (theirs as? String) ?? (theirs as? NSNumber)?.stringValue ?? "missing"
            if text != mine { found.append("\(field): the log gives \(mine), the commitment \(text)") }
        }
        compare("event", report.event, commitment["event"])
        compare("entries", String(report.entries), commitment["entries"])
        compare("head", report.head, commitment["head"])
        compare("control_head", report.controlHead, commitment["control_head"])
        compare("winners", String(report.winners), commitment["winners"])
        compare("winners_digest", report.winnersDigest, commitment["winners_digest"])
        return found
    }
}
