import Foundation
import GRDB

/// A statement written once for both stores: its text binds `$1`, `$2`… (see
/// `PortableSQL`) and its values are plain, so each store runs it with its own
/// driver inside its own transaction.
struct SQLStatement: Sendable, Equatable {
    /// A bound value; `nil` payloads are SQL NULL.
    enum Value: Sendable, Equatable {
        case integer(Int64?)
        case text(String?)
        case bool(Bool)
        case blob([UInt8]?)
    }

    let sql: String
    let values: [Value]

    /// The SQLite spelling and arguments.
    var sqlite: (sql: String, arguments: StatementArguments) {
        let values: [(any DatabaseValueConvertible)?] = values.map { value in
            switch value {
            case .integer(let number): number
            case .text(let text): text
            case .bool(let flag): flag
            case .blob(let bytes): bytes.map { Data($0) }
            }
        }
        return (PortableSQL.sqlite(sql), StatementArguments(values))
    }
}
