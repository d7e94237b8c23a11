import Foundation
import GRDB

extension Database {
    /// Steps a procedure written for both stores through this transaction.
    func run<Result>(_ procedure: SQLProcedure<Result>) throws -> Result {
        var step = procedure
        while true {
            switch step {
            case .done(let result):
                return result
            case .run(let statements, let next):
                step = try next(
                    try statements.map { statement in
                        let (sql, arguments) = statement.sqlite
                        return try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments).map(SQLRow.init)
                    })
            }
        }
    }
}

extension SQLRow {
    init(_ row: Row) {
        cells = row.databaseValues.map { value in
            switch value.storage {
            case .null: .null
            case .int64(let number): .integer(number)
            case .double(let number): .real(number)
            case .string(let text): .text(text)
            case .blob(let data): .blob([UInt8](data))
            }
        }
    }
}
