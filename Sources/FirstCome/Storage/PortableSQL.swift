import Foundation
import Synchronization

/// Queries written once for both stores bind `$1`, `$2`… positionally, as
/// PostgreSQL reads them; SQLite reads the same numbers as `?1`, `?2`….
/// Such queries hold no other `$`.
enum PortableSQL {
    /// The SQLite spellings made so far: the texts are few (statements are
    /// built from fixed parts), and the hot paths reuse them on every batch.
    private static let spellings = Mutex<[String: String]>([:])

    /// The SQLite spelling of a query.
    static func sqlite(_ sql: String) -> String {
        if let known = spellings.withLock({ $0[sql] }) { return known }
        let spelling = sql.replacingOccurrences(of: "$", with: "?")
        spellings.withLock { $0[sql] = spelling }
        return spelling
    }
}
