import Foundation

/// Queries written once for both stores bind `$1`, `$2`… positionally, as
/// PostgreSQL reads them; SQLite reads the same numbers as `?1`, `?2`….
/// Such queries hold no other `$`.
enum PortableSQL {
    /// The SQLite spelling of a query.
    static func sqlite(_ sql: String) -> String {
        sql.replacingOccurrences(of: "$", with: "?")
    }
}
