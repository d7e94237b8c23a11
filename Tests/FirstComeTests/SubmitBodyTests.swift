import Foundation
import Testing

@testable import FirstCome

@Suite("Submit body parsing")
struct SubmitBodyTests {
    func parse(_ text: String) throws -> SubmitRequest {
        try SubmitRequest.parse(Array(text.utf8))
    }

    @Test("valid bodies: user, payload minified with key order kept, null payload")
    func valid() throws {
        #expect(try parse(#"{"user":"ann"}"#) == SubmitRequest(user: "ann", payload: nil))
        #expect(try parse(#" { "payload" : null , "user" : "b\"o\\b" } "#) == SubmitRequest(user: "b\"o\\b", payload: nil))
        let body = #"{"user":"\u00e9\ud83d\ude00","payload":{ "z" : [1, -2.5e3, true, false, null, "x\n"], "a" : {"b":{}} }}"#
        let parsed = try parse(body)
        #expect(parsed.user == "é😀")
        #expect(parsed.payload == #"{"z":[1,-2.5e3,true,false,null,"x\n"],"a":{"b":{}}}"#)
        // The stored payload is itself valid JSON.
        #expect(try JSONSerialization.jsonObject(with: Data(parsed.payload!.utf8)) is [String: Any])
    }

    @Test("bad bodies are invalid_request naming the problem", arguments: [
        "", "{", "[]", "null", #"{"user":1}"#, #"{"user":"a",}"#, #"{"user":"a"} x"#, #"{"user":"a","user":"b"}"#,
        #"{"user":"a","extra":1}"#, #"{"payload":{}}"#, #"{"user":"a","payload":[1]}"#, #"{"user":"a","payload":"x"}"#,
        #"{"user":"a","payload":{"n":01}}"#, #"{"user":"a","payload":{"n":1.}}"#, #"{"user":"a","payload":{"s":"\x"}}"#,
        #"{"user":"\ud800"}"#, "{\"user\":\"a\tb\"}", #"{"user":""}"#, #"{'user':'a'}"#, #"{"user":"a","payload":{"a":tru}}"#,
    ])
    func invalid(body: String) {
        #expect(throws: FirstComeError.self) { try parse(body) }
        do {
            _ = try parse(body)
        } catch let error as FirstComeError {
            #expect(error.code == "invalid_request", "\(body): \(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("payload limits: 4096 bytes compact, 16 levels")
    func limits() throws {
        let fits = #"{"user":"a","payload":{"p":"\#(String(repeating: "x", count: 4096 - 8))"}}"#
        #expect(try parse(fits).payload?.utf8.count == 4096)
        let big = #"{"user":"a","payload":{"p":"\#(String(repeating: "x", count: 4096 - 7))"}}"#
        #expect(throws: FirstComeError.payloadTooLarge("'payload' is larger than 4096 bytes")) { try parse(big) }
        let deep16 = String(repeating: #"{"a":"#, count: 16) + "1" + String(repeating: "}", count: 16)
        #expect(try parse(#"{"user":"a","payload":\#(deep16)}"#).payload == deep16)
        let deep17 = String(repeating: #"{"a":"#, count: 17) + "1" + String(repeating: "}", count: 17)
        #expect(throws: FirstComeError.invalidRequest("'payload' is nested deeper than 16 levels")) {
            try parse(#"{"user":"a","payload":\#(deep17)}"#)
        }
        let invalidUTF8: [UInt8] = Array(#"{"user":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: FirstComeError.self) { try SubmitRequest.parse(invalidUTF8) }
    }

    @Test("random bytes never crash the parser: each is parsed or refused with invalid_request or payload_too_large")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        let pieces = Array(#"{}[]":,\u0041 truefalsenull-0123456789.eE+"user""payload"ab\#n\#t"#.utf8)
        for round in 0..<20_000 {
            let length = Int.random(in: 0...64, using: &generator)
            let bytes: [UInt8] = (0..<length).map { _ in
                round.isMultiple(of: 2) ? UInt8.random(in: 0...255, using: &generator) : pieces.randomElement(using: &generator)!
            }
            do {
                let parsed = try SubmitRequest.parse(bytes)
                if let user = parsed.user { try EventRules.checkUser(user) }
            } catch let error as FirstComeError {
                #expect(["invalid_request", "payload_too_large"].contains(error.code))
            } catch {
                Issue.record("unexpected error \(error) for \(bytes)")
            }
        }
    }
}

@Suite("JSON media types")
struct MediaTypeTests {
    @Test("JSON media types are recognised with parameters, spaces and any case", arguments: [
        ("application/json", true), ("Application/JSON ; charset=UTF-8", true), (" application/json", true),
        ("application/merge-patch+json", true), ("text/plain", false), ("application/jsonx", false), ("", false),
        ("application/x-www-form-urlencoded", false),
    ])
    func mediaTypes(contentType: String, isJSON: Bool) {
        #expect(JSONBody.isJSON(contentType) == isJSON)
    }
}
