import PostgresNIO

extension SQLStatement {
    /// The PostgreSQL query, its values bound in order.
    func postgres() throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .integer(let number?): try binds.append(number)
            case .text(let text?): try binds.append(text)
            case .bool(let flag): try binds.append(flag)
            case .blob(let bytes?): try binds.append(ByteBuffer(bytes: bytes))
            case .integer(nil), .text(nil), .blob(nil): binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
