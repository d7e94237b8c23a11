/// A storage procedure written once for both stores: the statements it runs and,
/// from the rows they return, what it runs next. Each store steps it through
/// with its own driver inside its own transaction (`Database.run`,
/// `PostgresConnection.run`), so the procedure holds every rule and SQL text.
enum SQLProcedure<Result> {
    case run([SQLStatement], then: ([[SQLRow]]) throws -> SQLProcedure<Result>)
    case done(Result)

    /// Runs `statements`, whose rows it ignores, and ends with `result`.
    static func writes(_ statements: [SQLStatement], then result: Result) -> SQLProcedure {
        statements.isEmpty ? .done(result) : .run(statements) { _ in .done(result) }
    }
}

/// A row a procedure read, its cells by position as the driver gave them.
struct SQLRow: Sendable {
    enum Cell: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
        case bool(Bool)
    }

    let cells: [Cell]

    func integerOrNil(_ index: Int) throws -> Int64? {
        switch cells[index] {
        case .null: nil
        case .integer(let value): value
        default: throw FirstComeError.internalError
        }
    }

    func integer(_ index: Int) throws -> Int64 {
        guard let value = try integerOrNil(index) else { throw FirstComeError.internalError }
        return value
    }

    func bytesOrNil(_ index: Int) throws -> [UInt8]? {
        switch cells[index] {
        case .null: nil
        case .blob(let bytes): bytes
        default: throw FirstComeError.internalError
        }
    }
}

extension SQLStatement {
    /// `count` binds from `$first` on, as a list for `IN (…)` or `VALUES`.
    static func binds(from first: Int, count: Int) -> String {
        (first..<(first + count)).map { "$\($0)" }.joined(separator: ", ")
    }

    /// The size a list of `count` values is padded to (repeating its last value),
    /// so that a statement over a list has few spellings for the statement caches.
    static func paddedCount(_ count: Int) -> Int {
        count <= 1 ? count : 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)
    }
}
