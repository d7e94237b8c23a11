import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Result screens: the outcome first, what to do next, the pass for those who need it.
extension PageTests {
    @Test("a winner reads what happens next; the pass is folded away under a disclosure")
    func winnerNext() async throws {
        try await withLiveApp(
            tick: .milliseconds(50), configure: { $0.admissionURL = "https://shop.example/claim" }, admission: testAdmission()
        ) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"win","name":"Win","prizes":1}"#, admin: true)
            let pages = try await enter(client, "win", ["w"])
            #expect(try await eventually { try await page(client, pages[0]).html.contains("You won!") })
            let won = try await page(client, pages[0]).html
            #expect(won.contains("Your prize is kept for you") && won.contains("Continue to claim your prize"))
            let fold = try #require(won.range(of: #"<details class="pass"><summary>Your admission pass</summary>"#))
            let pass = try #require(won.range(of: #"<textarea id="admission""#))
            #expect(fold.upperBound < pass.lowerBound, "the pass is inside the disclosure")
            let next = try #require(won.range(of: "Your prize is kept for you"))
            #expect(next.upperBound < fold.lowerBound, "what next comes before the pass")
            let korean = try await page(client, pages[0].replacingOccurrences(of: "lang=en", with: "lang=ko")).html
            #expect(korean.contains("경품이 확보되었습니다"))
        }
        try await withLiveApp(tick: .milliseconds(50)) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"plain","name":"Plain","prizes":1}"#, admin: true)
            let pages = try await enter(client, "plain", ["w"])
            #expect(try await eventually { try await page(client, pages[0]).html.contains("You won!") })
            let won = try await page(client, pages[0]).html
            #expect(won.contains("Your prize is kept for you") && won.contains("The organiser will tell you how to claim it"))
        }
    }

    @Test("a result leads with the outcome; after a decision the number is not called a waiting number")
    func outcomeFirst() async throws {
        try await withLiveApp(tick: .milliseconds(50)) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"two","name":"Two","prizes":1}"#, admin: true)
            let pages = try await enter(client, "two", ["a", "b"])
            let lost = pages[1].replacingOccurrences(of: "lang=en", with: "lang=ko")
            #expect(try await eventually { try await page(client, lost).html.contains(#"id="result""#) })
            let korean = try await page(client, lost).html
            #expect(korean.contains("응모 번호\u{00A0}2번") && !korean.contains("대기 번호"))
            let heading = try #require(korean.range(of: #"id="result""#))
            let number = try #require(korean.range(of: #"id="number""#))
            #expect(heading.lowerBound < number.lowerBound, "the outcome first, the number second")
            let english = try await page(client, pages[1]).html
            #expect(english.contains("Your number:\u{00A0}2") && !english.contains("You are number"))
        }
    }
}
