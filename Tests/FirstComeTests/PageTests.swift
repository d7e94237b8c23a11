import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FirstCome

@Suite("Waiting page")
struct PageTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func page(_ client: any TestClientProtocol, _ uri: String, language: String? = nil) async throws -> (status: HTTPResponse.Status, html: String, response: TestResponse) {
        var headers: HTTPFields = [:]
        if let language { headers[.acceptLanguage] = language }
        let response = try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
        return (response.status, String(buffer: response.body), response)
    }

    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String, headers: HTTPFields = form) async throws -> (status: HTTPResponse.Status, html: String, response: TestResponse) {
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        return (response.status, String(buffer: response.body), response)
    }

    @Test("language: ?lang= wins, then the best Accept-Language match, else English")
    func language() {
        #expect(PageLanguage.choose(query: "ko", acceptLanguage: "en-US") == .ko)
        #expect(PageLanguage.choose(query: "EN", acceptLanguage: "ko") == .en)
        #expect(PageLanguage.choose(query: "fr", acceptLanguage: "ko-KR,ko;q=0.9,en;q=0.8") == .ko)
        #expect(PageLanguage.choose(query: nil, acceptLanguage: "en-US,ko;q=0.5") == .en)
        #expect(PageLanguage.choose(query: nil, acceptLanguage: "fr-FR, ko;q=0.3, de;q=0.9") == .ko)
        #expect(PageLanguage.choose(query: nil, acceptLanguage: "ko;q=0, fr") == .en)
        #expect(PageLanguage.choose(query: nil, acceptLanguage: nil) == .en)
        #expect(PageLanguage.en.duration(seconds: 42.2) == "43 seconds" && PageLanguage.ko.duration(seconds: 600) == "10분")
        #expect(PageLanguage.en.duration(seconds: 4 * 3600) == "4 hours")
        let english = Set(PageLanguage.en.texts.keys.filter { !$0.hasSuffix("_one") })
        #expect(english.isSubset(of: Set(PageLanguage.ko.texts.keys)), "every English text has a Korean one (Korean counts need no '1' form)")
        #expect(PageLanguage.en.counted("people_ahead", 1) == "1 person ahead of you" && PageLanguage.ko.counted("people_ahead", 1) == "내 앞에 1명")
    }

    @Test("form bodies: fields once, known names only, valid encoding")
    func formBody() throws {
        #expect(try FormBody.parse("user=Kim+Min-ji%40x.kr&lang=ko", allowed: ["user", "lang"]) == ["user": "Kim Min-ji@x.kr", "lang": "ko"])
        #expect(throws: FirstComeError.self) { try FormBody.parse("user=a&user=b", allowed: ["user"]) }
        #expect(throws: FirstComeError.self) { try FormBody.parse("user=a&admin=1", allowed: ["user"]) }
        #expect(throws: FirstComeError.self) { try FormBody.parse("user=%zz", allowed: ["user"]) }
    }

    @Test("enter through the form, see the number, follow it to the result; in Korean by Accept-Language")
    func flow() async throws {
        try await withLiveApp(tick: .milliseconds(100), configure: { $0.admissionURL = "https://shop.example/claim" }) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"drop","name":"<b>Drop</b>","prizes":1,"presence_timeout_s":30}"#, admin: true)
            let landing = try await page(client, "/e/drop", language: "ko-KR,ko;q=0.9")
            #expect(landing.status == .ok && landing.response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(landing.html.contains(#"<html lang="ko">"#) && landing.html.contains("응모하기") && landing.html.contains(#"<label for="user">"#))
            #expect(landing.html.contains("&lt;b&gt;Drop&lt;/b&gt;") && !landing.html.contains("<b>Drop</b>"), "names are escaped")
            #expect(landing.response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)

            let entered = try await post(client, "/e/drop?lang=en", "user=ada%40example.com")
            #expect(entered.status == .seeOther)
            let location = try #require(entered.response.headers[.location])
            #expect(location.hasPrefix("/e/drop?t=") && location.hasSuffix("&lang=en"))
            // Entering again with the same name leads to the same place.
            #expect(try await post(client, "/e/drop?lang=en", "user=ada%40example.com").response.headers[.location] == location)
            let first = try await page(client, location)
            // Waiting, or already decided by a tick: the number either way.
            #expect(first.html.contains("You are number\u{00A0}1") || first.html.contains("Your number:\u{00A0}1"))
            #expect(try await eventually { try await page(client, location).html.contains("You won!") })
            let won = try await page(client, location)
            #expect(won.html.contains(#"id="admission""#) == false, "no issuer configured, no token")
            #expect(!won.html.contains("http-equiv=\"refresh\""), "a final page stops reloading")

            _ = try await post(client, "/e/drop", "user=late")
            let late = try await post(client, "/e/drop", "user=late")
            let lostURL = try #require(late.response.headers[.location]).replacingOccurrences(of: "lang=en", with: "lang=ko")
            // Decided at entry on SQLite, by the next tick on PostgreSQL.
            #expect(try await eventually { try await page(client, lostURL).html.contains("아쉽지만") })
            #expect(try await page(client, lostURL).html.contains("응모 번호\u{00A0}2번"))
        }
    }

    @Test("a waiting entry's page reloads without script and carries the live-update links")
    func waitingPage() async throws {
        try await withLiveApp(tick: .seconds(3600)) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"q","name":"Q","prizes":5,"admit_per_tick":1}"#, admin: true)
            for user in ["a", "b"] { _ = try await post(client, "/e/q", "user=\(user)") }
            let location = try #require(try await post(client, "/e/q", "user=c").response.headers[.location])
            let token = String(location.split(separator: "=")[1].split(separator: "&")[0])
            let waiting = try await page(client, location)
            #expect(waiting.html.contains("You are number\u{00A0}3") && waiting.html.contains("5 prizes left; 2 people ahead of you"))
            #expect(waiting.html.contains(#"<noscript><meta http-equiv="refresh" content="5"></noscript>"#))
            #expect(waiting.html.contains(#"data-stream="/v1/entries/\#(token)/events""#) && waiting.html.contains(#"aria-live="polite""#))
            #expect(waiting.html.contains(#"<progress id="progress" max="3" value="0">"#))
            #expect(waiting.html.contains("Result expected: time not known yet"))
        }
    }

    @Test("states a person can read: sold out first, a local countdown, titles, next steps, the proof tucked away")
    func states() async throws {
        try await withLiveApp(tick: .milliseconds(50), configure: { $0.admissionURL = "https://shop.example/claim" }) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"one","name":"One","prizes":1}"#, admin: true)
            let later = Timestamp.now() + 3_600_000
            try await client.json(.post, "/v1/events", body: #"{"id":"soon","name":"Soon","prizes":2,"opens_at":"\#(Timestamp.format(later))"}"#, admin: true)
            let winner = try #require(try await post(client, "/e/one?lang=en", "user=w").response.headers[.location])
            #expect(try await eventually { try await page(client, winner).html.contains("You won!") })
            let won = try await page(client, winner).html
            #expect(won.contains("<title>You won · One</title>") && won.contains("1 prize, first come first served"))
            #expect(won.contains("<details class=\"receipt\"><summary>Proof of your place</summary>"))

            let soldOut = try await page(client, "/e/one?lang=en").html
            let gone = try #require(soldOut.range(of: "All prizes are gone"))
            let lateForm = try #require(soldOut.range(of: #"<details class="late"><summary>Enter anyway"#))
            #expect(gone.lowerBound < lateForm.lowerBound, "the news first, the form as a second choice")

            let loser = try #require(try await post(client, "/e/one?lang=en", "user=l").response.headers[.location])
            #expect(try await eventually { try await page(client, loser).html.contains("Not this time") })
            let lost = try await page(client, loser).html
            #expect(lost.contains("Thank you for taking part") && lost.contains(#"<a href="/e/one?lang=en">Back to the giveaway</a>"#))

            let scheduled = try await page(client, "/e/soon?lang=ko").html
            #expect(scheduled.contains(#"<p id="notice" data-at="\#(later)""#) && scheduled.contains(#"id="countdown" data-at="\#(later)""#))
            #expect(!scheduled.contains("<form"), "the form opens by itself at the time")
            #expect(scheduled.contains("word-break: keep-all"))
        }
    }

    @Test("names: only spaces is refused in the page's language; NFC and surrounding spaces make one entrant")
    func names() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"n","name":"N","prizes":3}"#, admin: true)
            let spaces = try await post(client, "/e/n?lang=ko", "user=%20%20%20")
            #expect(spaces.status == .badRequest && spaces.html.contains("이름 또는 이메일을 입력해 주세요."))
            let composed = try await client.json(.post, "/v1/events/n/entries", body: #"{"user":"Jos\u00e9"}"#)
            let decomposed = try await client.json(.post, "/v1/events/n/entries", body: #"{"user":" Jose\u0301 "}"#)
            #expect(composed.status == .created && decomposed.status == .ok && decomposed.json["seq"] as? Int == composed.json["seq"] as? Int)
            let other = try await client.json(.post, "/v1/events/n/entries", body: #"{"user":"josé"}"#)
            #expect(other.status == .created, "case is kept")
        }
    }

    @Test("bad input gets the page back with the error and a 4xx; unknown events and entries are 404 pages")
    func badInput() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"x","name":"X","prizes":1}"#, admin: true)
            try await client.json(.post, "/v1/events", body: #"{"id":"y","name":"Y","prizes":1}"#, admin: true)
            let empty = try await post(client, "/e/x", "user=")
            #expect(empty.status == .badRequest && empty.html.contains(#"role="alert""#) && empty.html.contains(#"aria-invalid="true""#))
            let long = try await post(client, "/e/x?lang=ko", "user=" + String(repeating: "a", count: 200))
            #expect(long.status == .badRequest && long.html.contains("입력값이 올바르지 않습니다"))
            #expect(try await post(client, "/e/x", "user=a&evil=1").status == .badRequest)
            #expect(try await post(client, "/e/x", "user=a&user=b").status == .badRequest)
            #expect(try await post(client, "/e/x", #"{"user":"a"}"#, headers: [.contentType: "application/json"]).status == .unsupportedMediaType)
            #expect(try await post(client, "/e/x", "user=" + String(repeating: "a", count: 20_000)).status == .contentTooLarge)
            #expect(try await post(client, "/e/nope", "user=a").status == .notFound)
            let missing = try await page(client, "/e/nope")
            #expect(missing.status == .notFound && missing.html.contains("There is no such giveaway or entry."))
            #expect(try await page(client, "/e/x?t=forged").status == .notFound)
            let other = try #require(try await post(client, "/e/y", "user=a").response.headers[.location])
            #expect(try await page(client, other.replacingOccurrences(of: "/e/y", with: "/e/x")).status == .notFound, "a token of another event")
            // Nothing bad was recorded.
            let event = try await client.json(.get, "/v1/events/x")
            #expect(event.json["entries"] as? Int == 0)
            try await client.json(.patch, "/v1/events/x", body: #"{"state":"closed"}"#, admin: true)
            let closed = try await page(client, "/e/x")
            #expect(closed.html.contains("not taking entries right now") && !closed.html.contains("<form"))
            #expect(try await post(client, "/e/x", "user=a").status == .conflict)
        }
    }

    @Test("--templates replaces the page; a folder without page.mustache or with a broken one is refused")
    func templates() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        await #expect(throws: PageTemplates.LoadError.self) { _ = try await PageTemplates(directory: folder.path) }
        try "<p>{{> brand}} {{#event}}{{name}}{{/event}} {{t.enter}} {{lang}}</p>".write(
            to: folder.appendingPathComponent("page.mustache"), atomically: true, encoding: .utf8)
        try "ACME".write(to: folder.appendingPathComponent("brand.mustache"), atomically: true, encoding: .utf8)
        let templates = try await PageTemplates(directory: folder.path)
        try await withLiveApp(templates: templates) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"t","name":"Tee","prizes":1}"#, admin: true)
            #expect(try await page(client, "/e/t?lang=ko").html == "<p>ACME Tee 응모하기 ko</p>")
        }
        try "{{#event}}unclosed".write(to: folder.appendingPathComponent("page.mustache"), atomically: true, encoding: .utf8)
        await #expect(throws: PageTemplates.LoadError.self) { _ = try await PageTemplates(directory: folder.path) }
        await #expect(throws: PageTemplates.LoadError.self) { _ = try await PageTemplates(directory: "/nonexistent/templates") }
    }
}
