import Logging
import PostgresNIO

extension PostgresConnection {
    /// Steps a procedure written for both stores through this connection's
    /// transaction, one round trip per statement.
    func run<Result>(_ procedure: SQLProcedure<Result>, logger: Logger) async throws -> Result {
        var step = procedure
        while true {
            switch step {
            case .done(let result):
                return result
            case .run(let statements, let next):
                var read: [[SQLRow]] = []
                for statement in statements {
                    var rows: [SQLRow] = []
                    for try await row in try await query(statement.postgres(), logger: logger) { rows.append(try SQLRow(row)) }
                    read.append(rows)
                }
                step = try next(read)
            }
        }
    }
}

extension SQLRow {
    /// Integers of any width read as Int64, `bytea` as bytes, other types as text.
    init(_ row: PostgresRow) throws {
        cells = try row.map { cell in
            guard let bytes = cell.bytes else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .bool: return .bool(try cell.decode(Bool.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .bytea: return .blob(Array(bytes.readableBytesView))
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}
