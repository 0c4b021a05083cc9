import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
@testable import NimbusAPI
import NimbusJSON
@testable import NimbusStore
import NimbusKernel
import Testing

/// The hand-written paths of `GET /servers/detail` against the Foundation code they replace.
@Suite struct FastPathTests {
    /// Dates from 1900 to 2200: whole seconds, milliseconds, microseconds and arbitrary doubles, both sides
    /// of the reference date, leap days and year ends included.
    static var dates: [Date] {
        var out: [Date] = []
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let t = Double.random(in: -2_208_988_800...7_258_118_400, using: &rng)
            out += [t, t.rounded(.down), t.rounded(.down) + Double(Int.random(in: 0..<1000, using: &rng)) / 1000,
                    t.rounded(.down) + Double(Int.random(in: 0..<1_000_000, using: &rng)) / 1e6]
                .map(Date.init(timeIntervalSince1970:))
        }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        for (y, m, d) in [(2000, 2, 29), (2024, 2, 29), (1900, 2, 28), (1900, 3, 1), (2100, 2, 28), (2100, 3, 1),
                          (1970, 1, 1), (2000, 12, 31), (2001, 1, 1), (1999, 12, 31), (2023, 12, 31)] {
            let day = cal.date(from: DateComponents(year: y, month: m, day: d))!
            for offset in [0, 0.000001, 0.5, 0.999999, 59.999, 86_399, 86_399.999999, -0.000001, -1] {
                out.append(day.addingTimeInterval(offset))
            }
        }
        return out
    }

    @Test func timestampsMatchFoundation() {
        for d in Self.dates {
            #expect(NovaTime.format(d, fraction: false) == NovaTime.foundationFormat(d, fraction: false),
                    "\(d.timeIntervalSince1970)")
            #expect(NovaTime.format(d, fraction: true) == NovaTime.foundationFormat(d, fraction: true),
                    "\(d.timeIntervalSince1970)")
        }
        #expect(NovaTime.format(Date(timeIntervalSince1970: 951_782_400.25), fraction: true) == "2000-02-29T00:00:00.250000")
        #expect(NovaTime.iso(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test func flatJSONColumnsMatchJSONDecoder() throws {
        let samples = ["", "a", "é🎉", "a\"b", "a\\b", "a/b", "line\nbreak", "\u{1}", " x y ", "{}", "[]", ",", ":"]
        func decoded<T: Decodable>(_ t: T.Type, _ s: String) throws -> T { try JSONColumn.decode(T.self, s) }
        for a in samples {
            for b in samples {
                let list = try JSONColumn.encode([a, b])
                if let fast = FlatJSON.stringArray(list) { #expect(fast == (try decoded([String].self, list)), "\(list)") }
                let dict = try JSONColumn.encode([a: b, b + "k": a])
                if let fast = FlatJSON.stringDictionary(dict) {
                    #expect(fast == (try decoded([String: String].self, dict)), "\(dict)")
                }
                let hints = try JSONColumn.encode([a: [b, a], b + "z": [], "q": [a]])
                if let fast = FlatJSON.stringListDictionary(hints) {
                    #expect(fast == (try decoded([String: [String]].self, hints)), "\(hints)")
                }
            }
        }
        #expect(FlatJSON.stringArray("[]") == [])
        #expect(FlatJSON.stringArray(#"["bench","x y"]"#) == ["bench", "x y"])
        #expect(FlatJSON.stringDictionary(#"{"role":"bench"}"#) == ["role": "bench"])
        #expect(FlatJSON.stringListDictionary(#"{"a":["b"],"c":[]}"#) == ["a": ["b"], "c": []])
        // Anything else is left to JSONDecoder.
        for odd in ["[1]", #"{"a":1}"#, " []", #"["a",]"#, #"{"a":"b",}"#, #"["a"]x"#, #"["a\"b"]"#, ""] {
            #expect(FlatJSON.stringArray(odd) == nil && FlatJSON.stringDictionary(odd) == nil, "\(odd)")
        }
    }

    @Test func storedUUIDsParseAsFoundationDoes() {
        for _ in 0..<2000 {
            let u = UUID()
            #expect(NimbusStore.fastUUID(u.uuidString.lowercased()) == u)
            #expect(NimbusStore.fastUUID(u.uuidString) == u)
            #expect(ServerView.lowercasedID(u) == u.uuidString.lowercased())
        }
        #expect(NimbusStore.fastUUID("00000000-0000-0000-0000-000000000000") == UUID(uuidString: "00000000-0000-0000-0000-000000000000"))
        #expect(NimbusStore.fastUUID("FFFFFFFF-ffff-FFFF-ffff-FFFFFFFFFFFF").uuidString == "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")
    }

    @Test func escapeScanFindsEverySpecialByteAtEveryOffset() {
        func reference(_ s: [UInt8]) -> Bool { s.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } }
        for length in 0..<40 {
            var plain: [UInt8] = []
            for k in 0..<length {
                let c = UInt8(0x20 + (k * 7) % 0x5F)
                plain.append(c == 0x22 || c == 0x5C ? 0x41 : c)
            }
            #expect(plain.withUnsafeBufferPointer(JSON.needsEscaping) == reference(plain))
            for offset in 0..<length {
                for special: UInt8 in [0x00, 0x01, 0x0A, 0x1F, 0x22, 0x5C, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF] {
                    var bytes = plain
                    bytes[offset] = special
                    #expect(bytes.withUnsafeBufferPointer(JSON.needsEscaping) == reference(bytes), "\(bytes)")
                }
            }
        }
    }

    @Test func encoderEscapesAndOrderedObjects() throws {
        let value: JSON = ["s": "quote \" backslash \\ nl \n tab \t cr \r ctl \u{1} é🎉 /", "n": -1_234_567,
                           "z": 0, "big": .int(Int.max), "min": .int(Int.min), "a": [1, "x", nil, true, 1.5]]
        #expect(try JSON.decode(value.encoded()) == value)
        var writer = JSONObjectWriter(JSONSink(capacity: 1))  // grows
        writer.put("b", 2); writer.put("a", "x\"y"); writer.put("long", .string(String(repeating: "é", count: 100)))
        let out = writer.finish()
        defer { out.deallocate() }
        #expect(String(decoding: out.bytes, as: UTF8.self)
            == #"{"b":2,"a":"x\"y","long":""# + String(repeating: "é", count: 100) + #""}"#)
    }
}

/// The listing writes each server from `ServerView.detailFields` straight to bytes; `GET /servers/{id}`
/// still goes through a dictionary: both must show the same server.
@Suite(.serialized) struct ListingMatchesShowTests {
    @Test func detailListingMatchesShowAtEachMicroversion() async throws {
        try await withHarness(try await Cloud.start(hosts: 2)) { cloud in
            let ids = try await cloud.boot("same", count: 3, extra: ["metadata": ["a": "1", "q": "x\"y\n"],
                                                                     "description": "d é"])
            #expect(try await cloud.call("PUT", "/v2.1/servers/\(ids[0])/tags/blue", version: "2.26").status == 201)
            // One server in ERROR with a fault, which the listing fetches in one query for the page.
            let failed = UUID(uuidString: ids[1])!
            try await cloud.store.updateInstance(failed, InstanceUpdate(vmState: .error))
            try await cloud.store.addFault(InstanceFault(instanceUUID: failed, code: 500, message: "boom", details: "trace"))
            try await cloud.store.addFault(InstanceFault(instanceUUID: failed, code: 409, message: "newest", details: "t2"))
            for version in ["2.1", "2.3", "2.16", "2.26", "2.47", "2.70", "2.73", "2.96", "2.100"] {
                let list = try await cloud.call("GET", "/v2.1/servers/detail", version: version)
                let servers = list["servers"] as? [[String: Any]] ?? []
                #expect(Set(servers.compactMap { $0["id"] as? String }) == Set(ids))
                for s in servers {
                    var show = try await cloud.server(s["id"] as? String ?? "", version: version)
                    show["server_groups"] = nil  // shown by GET /servers/{id} only
                    func canonical(_ o: [String: Any]) throws -> String {
                        String(decoding: try JSONSerialization.data(withJSONObject: o, options: .sortedKeys), as: UTF8.self)
                    }
                    #expect(try canonical(s) == canonical(show), "at \(version)")
                }
                let fault = servers.first { $0["id"] as? String == ids[1] }?["fault"] as? [String: Any]
                #expect(fault?["message"] as? String == "newest")
            }
        }
    }
}
