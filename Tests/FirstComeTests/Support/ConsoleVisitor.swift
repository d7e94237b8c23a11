import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import FirstCome

/// A signed-in console visitor: the session cookie and the page's form token.
struct ConsoleVisitor {
    let cookie: String
    let csrf: String

    var headers: HTTPFields { [.cookie: cookie] }

    /// Signs in with the admin token and reads the form token off the events page.
    static func signIn(_ client: any TestClientProtocol) async throws -> ConsoleVisitor {
        let reply = try await client.consolePost("/admin/sign-in", ["token": testAdminToken])
        #expect(reply.status == .seeOther)
        let setCookie = try #require(reply.headers[.setCookie])
        let cookie = String(setCookie.prefix { $0 != ";" })
        let page = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: cookie])
        #expect(page.status == .ok)
        return ConsoleVisitor(cookie: cookie, csrf: try #require(Self.csrf(in: String(buffer: page.body))))
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) else { return nil }
        return String(html[range].dropFirst(19).dropLast())
    }
}

extension TestClientProtocol {
    /// Posts a form (`application/x-www-form-urlencoded`).
    func consolePost(_ uri: String, _ fields: [String: String], headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = fields.map { "\(WaitingPage.percentEncode($0.key))=\(WaitingPage.percentEncode($0.value))" }.joined(separator: "&")
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// Posts a console form as `visitor`, with its form token.
    func consolePost(_ uri: String, as visitor: ConsoleVisitor, _ fields: [String: String]) async throws -> TestResponse {
        try await consolePost(uri, fields.merging(["csrf": visitor.csrf]) { $1 }, headers: visitor.headers)
    }

    func consoleGet(_ uri: String, as visitor: ConsoleVisitor) async throws -> (status: HTTPResponse.Status, html: String, response: TestResponse) {
        let response = try await execute(uri: uri, method: .get, headers: visitor.headers)
        return (response.status, String(buffer: response.body), response)
    }
}
