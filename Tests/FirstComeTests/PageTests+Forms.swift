import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// The entry form in its cases: a proof-of-work without JavaScript, a lottery, a
/// sold-out event with a way back to one's result.
extension PageTests {
    @Test("an event that asks a proof-of-work says up front, once, that it needs JavaScript, and holds the form back without it")
    func proofOfWorkWithoutScript() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"pow","name":"Pow","prizes":3,"pow_bits":8}"#, admin: true)
            for language in ["en", "ko"] {
                let html = try await page(client, "/e/pow?lang=\(language)").html
                let needs = try #require(PageLanguage(rawValue: language)?.texts["pow_needs_js"])
                let notice = try #require(html.range(of: #"<noscript><p class="needs-js">"# + needs))
                let forms = try #require(html.range(of: #"<div class="forms" id="forms" hidden>"#))
                #expect(notice.upperBound < forms.lowerBound, "the notice before the form, which the script reveals")
                #expect(html.components(separatedBy: needs).count == 2, "said once")
            }
            let plain = try await page(client, "/e/pow?lang=en").html
            try await client.json(.post, "/v1/events", body: #"{"id":"free","name":"Free","prizes":3}"#, admin: true)
            let free = try await page(client, "/e/free").html
            #expect(plain.contains("<form") && !free.contains(#"id="forms" hidden"#), "the form is there for the script to show; others show it at once")
        }
    }

    @Test("a lottery: enter the draw before the close (with a countdown), then the beacon it waits for, then a loss the draw made")
    func lottery() async throws {
        #expect(PageLanguage.en.duration(seconds: 1) == "1 second" && PageLanguage.en.duration(seconds: 2) == "2 seconds")
        #expect(PageLanguage.ko.duration(seconds: 1) == "1초")
        try await withLiveApp(tick: .milliseconds(50)) { client, _ in
            let closes = Timestamp.format(Timestamp.now() + 3_600_000)
            try await client.json(.post, "/v1/events", body: #"{"id":"lot","name":"Lot","prizes":1,"order":"lottery","closes_at":"\#(closes)","beacon":"drand round 42"}"#, admin: true)
            let form = try await page(client, "/e/lot?lang=en").html
            #expect(form.contains("Enter the draw") && !form.contains("Join the line") && form.contains("1 prize, drawn by lottery"))
            #expect(form.contains("Entries close at") && form.contains(#"id="countdown""#))
            #expect(try await page(client, "/e/lot?lang=ko").html.contains("추첨에 응모하기"))
            let pages = try await enter(client, "lot", ["a", "b"])
            // An admin's close is the lottery's cutoff, as its closing time would be.
            try await client.json(.patch, "/v1/events/lot", body: #"{"state":"closed"}"#, admin: true)
            let beaconWait = "Entries are closed. The draw waits for the public beacon value (drand round 42)"
            #expect(try await eventually { try await page(client, pages[0]).html.contains(#"<p id="undrawn">"# + beaconWait) })
            #expect(try await page(client, "/e/lot?lang=en").html.contains(#"<p id="notice">"# + beaconWait))
            #expect(try await eventually { try await client.json(.post, "/v1/events/lot/beacon", body: #"{"value":"9a9b"}"#, admin: true).status == .ok })
            var lost: String?
            #expect(try await eventually {
                for location in pages {
                    if try await page(client, location).html.contains("Not this time") { lost = location }
                }
                return lost != nil
            })
            let english = try await page(client, try #require(lost)).html
            #expect(english.contains("Sorry, the draw did not pick you.") && !english.contains("someone ahead of you"))
            let korean = try await page(client, try #require(lost).replacingOccurrences(of: "lang=en", with: "lang=ko")).html
            #expect(korean.contains("이번 추첨에서 뽑히지 않았습니다") && !korean.contains("앞선 응모자"))
        }
    }

    @Test("after a sell-out or the close, an entrant who lost their link finds their result by name; a name not entered adds nothing")
    func findResult() async throws {
        try await withLiveApp(tick: .milliseconds(50)) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"gone","name":"Gone","prizes":1}"#, admin: true)
            let pages = try await enter(client, "gone", ["w"])
            #expect(try await eventually { try await page(client, "/e/gone?lang=en").html.contains("All prizes are gone") })
            let soldOut = try await page(client, "/e/gone?lang=en").html
            let find = try #require(soldOut.range(of: "Already entered? See your result"))
            let late = try #require(soldOut.range(of: "Enter anyway"))
            #expect(find.lowerBound < late.lowerBound, "finding one's result comes before entering late")
            #expect(try await page(client, "/e/gone?lang=ko").html.contains("이미 응모하셨나요? 결과 보기"))
            let found = try await post(client, "/e/gone?lang=en", "user=w&find=1")
            #expect(found.status == .seeOther && found.response.headers[.location] == pages[0])
            let again = try await client.json(.post, "/v1/events/gone/entries", body: #"{"user":"w"}"#)
            #expect(again.status == .ok && again.json["token"] as? String == Self.token(pages[0]), "the submit route answers with the entry")
            let missing = try await post(client, "/e/gone?lang=ko", "user=nobody&find=1")
            #expect(missing.status == .notFound && missing.html.contains("이 이름으로 된 응모가 없습니다"))
            #expect(try await client.json(.get, "/v1/events/gone").json["entries"] as? Int == 1, "looking up adds no entry")
            // A closed event offers the same way back, and no entry form.
            try await client.json(.post, "/v1/events", body: #"{"id":"shut","name":"Shut","prizes":5}"#, admin: true)
            let shut = try await enter(client, "shut", ["s"])
            try await client.json(.patch, "/v1/events/shut", body: #"{"state":"closed"}"#, admin: true)
            let closed = try await page(client, "/e/shut?lang=en").html
            #expect(closed.contains("not taking entries right now") && closed.contains("Already entered? See your result"))
            #expect(!closed.contains(#"id="user""#) && closed.contains(#"id="find-user""#))
            #expect(try await post(client, "/e/shut?lang=en", "user=s&find=1").response.headers[.location] == shut[0])
            #expect(try await post(client, "/e/shut?lang=en", "user=t&find=1").status == .notFound)
        }
    }
}
