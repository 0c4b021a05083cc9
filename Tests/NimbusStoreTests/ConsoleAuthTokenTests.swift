import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

/// Migration 009: console auth tokens (only the hash stored, reusable until expiry, gone with the instance).
@Suite struct ConsoleAuthTokenTests {
    func grant(_ vm: InstanceRecord, type: String = "novnc", base: String = "http://127.0.0.1:6080/vnc_auto.html") -> ConsoleAuthToken {
        ConsoleAuthToken(instanceUUID: vm.uuid, consoleType: type, host: "127.0.0.1", port: 5901,
                         internalAccessPath: "xyz", accessURLBase: base)
    }

    func store(with vm: InstanceRecord) async throws -> NimbusStore {
        let store = try openStore()
        try await store.createInstances([vm], spec: Make.spec(vm.flavor).build(), requestID: "r")
        return store
    }

    @Test func validUntilExpiryAndReusable() async throws {
        let vm = Make.instance(host: "h1")
        let store = try await store(with: vm)
        let now = Date()
        let (token, expires) = try #require(try await store.authorizeConsole(grant(vm), ttl: 600, now: now))
        #expect(expires == Int(now.timeIntervalSince1970) + 600)
        let got = try #require(try await store.validConsoleToken(token, now: now))
        #expect(got.instanceUUID == vm.uuid && got.port == 5901 && got.internalAccessPath == "xyz")
        #expect(try await store.validConsoleToken(token, now: now) != nil)  // not single-use
        #expect(try await store.validConsoleToken(token, now: now.addingTimeInterval(600)) == nil)
        #expect(try await store.validConsoleToken(UUID().uuidString.lowercased(), now: now) == nil)
        #expect(try await store.validConsoleToken(String(repeating: "a", count: 10_000), now: now) == nil)
    }

    @Test func onlyTheHashIsStored() async throws {
        let vm = Make.instance(host: "h1")
        let path = tempDB()
        let store = try openStore(path)
        try await store.createInstances([vm], spec: Make.spec(vm.flavor).build(), requestID: "r")
        let (token, _) = try #require(try await store.authorizeConsole(grant(vm), ttl: 600))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(token.utf8)) == nil)
    }

    @Test func deletedWithTheInstanceAndWhenItMoves() async throws {
        let vm = Make.instance(host: "h1")
        let store = try await store(with: vm)
        let (t1, _) = try #require(try await store.authorizeConsole(grant(vm), ttl: 600))
        _ = try await store.updateInstance(vm.uuid, InstanceUpdate(host: .some("h2")))
        #expect(try await store.validConsoleToken(t1) == nil)
        let (t2, _) = try #require(try await store.authorizeConsole(grant(vm), ttl: 600))
        _ = try await store.updateInstance(vm.uuid, InstanceUpdate(taskState: .some(nil)))  // same host: kept
        #expect(try await store.validConsoleToken(t2) != nil)
        try await store.markDeleted(vm.uuid)
        #expect(try await store.validConsoleToken(t2) == nil)
        #expect(try await store.consoleTokenCount(instance: vm.uuid) == 0)
        #expect(try await store.authorizeConsole(grant(vm), ttl: 600) == nil)  // no token for a deleted instance
    }

    @Test func expiredRowsAreSwept() async throws {
        let vm = Make.instance(host: "h1")
        let store = try await store(with: vm)
        let past = Date().addingTimeInterval(-3600)
        _ = try #require(try await store.authorizeConsole(grant(vm), ttl: 10, now: past))
        _ = try #require(try await store.authorizeConsole(grant(vm), ttl: 10, now: past))
        #expect(try await store.consoleTokenCount(instance: vm.uuid) == 2)
        #expect(try await store.purgeExpiredConsoleTokens() == 2)
        _ = try #require(try await store.authorizeConsole(grant(vm), ttl: 10, now: past))
        _ = try #require(try await store.authorizeConsole(grant(vm), ttl: 600))  // a new token sweeps the old
        #expect(try await store.consoleTokenCount(instance: vm.uuid) == 1)
    }

    @Test func accessURLAsNovaBuildsIt() {
        let id = UUID()
        let t = ConsoleAuthToken(instanceUUID: id, consoleType: "novnc", host: "h", port: 1,
                                 accessURLBase: "http://127.0.0.1:6080/vnc_auto.html")
        #expect(t.accessURL(token: "abc") == "http://127.0.0.1:6080/vnc_auto.html?path=%3Ftoken%3Dabc")
        var withPath = t
        withPath.accessURLBase = "http://h:6080/vnc_lite.html?path=novnc"
        #expect(withPath.accessURL(token: "abc") == "http://h:6080/vnc_lite.html?path=novnc%3Ftoken%3Dabc")
        let serial = ConsoleAuthToken(instanceUUID: id, consoleType: "serial", host: "h", port: 1,
                                      accessURLBase: "ws://127.0.0.1:6083/")
        #expect(serial.accessURL(token: "abc") == "ws://127.0.0.1:6083/?token=abc")
    }
}
