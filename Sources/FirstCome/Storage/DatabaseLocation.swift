import Foundation
import PostgresNIO

/// Where the data lives: a SQLite file (the default) or a PostgreSQL database
/// shared by several nodes, chosen by the form of `--db`.
public enum DatabaseLocation: Sendable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// A `postgres://` or `postgresql://` URL, else a file path.
    public init(_ text: String) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: text))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// For logs: the path, or the URL without its password.
    public var display: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.display
        }
    }
}

/// A PostgreSQL database named by a libpq-style URL:
/// `postgres://user[:password]@host[:port]/dbname[?sslmode=…&host=/socket/dir]`.
public struct PostgresLocation: Sendable {
    public var configuration: PostgresClient.Configuration
    /// Where the server listens: a host and port, or a Unix socket file.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case socket(path: String)
    }
    public var endpoint: Endpoint
    /// The URL without its password.
    public var display: String

    /// `sslmode`: disable, allow, prefer (default, as libpq), require, verify-ca, verify-full.
    public init(url: String) throws {
        func invalid(_ reason: String) -> DatabaseLocationError { DatabaseLocationError(message: "invalid PostgreSQL URL: \(reason)") }
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw invalid("expected postgres://user[:password]@host[:port]/dbname")
        }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user (postgres://USER@host/dbname)") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw invalid("no database name (postgres://user@host/DBNAME)") }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["sslmode", "host"].contains(item.name) else {
                throw invalid("unknown parameter '\(item.name)' (firstcome reads sslmode and host)")
            }
            parameters[item.name] = item.value ?? ""
        }
        let port = components.port ?? 5432
        let host = parameters["host"] ?? components.host ?? ""
        if host.isEmpty || host.hasPrefix("/") {
            // libpq: a folder holding the server's socket file .s.PGSQL.<port>.
            let folder = host.isEmpty ? "/var/run/postgresql" : host
            endpoint = .socket(path: "\(folder)/.s.PGSQL.\(port)")
            configuration = .init(
                unixSocketPath: "\(folder)/.s.PGSQL.\(port)", username: user, password: components.password, database: database)
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            let mode: PostgresClient.Configuration.TLS
            switch parameters["sslmode"] ?? "prefer" {
            case "disable":
                mode = .disable
            case "allow", "prefer":
                tls.certificateVerification = .none
                mode = .prefer(tls)
            case "require":
                tls.certificateVerification = .none
                mode = .require(tls)
            case "verify-ca":
                tls.certificateVerification = .noHostnameVerification
                mode = .require(tls)
            case "verify-full":
                mode = .require(tls)
            case let other:
                throw invalid("sslmode '\(other)' is not one of disable, allow, prefer, require, verify-ca, verify-full")
            }
            endpoint = .tcp(host: host, port: port)
            configuration = .init(host: host, port: port, username: user, password: components.password, database: database, tls: mode)
        }
        var shown = components
        if shown.password != nil { shown.password = "***" }
        display = shown.string ?? "postgres://"
    }
}

/// A `--db` value that cannot be used.
public struct DatabaseLocationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
