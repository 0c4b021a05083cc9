import Foundation
import NimbusKernel
import NimbusStore
import Testing

/// Migration 008: a node's driver capabilities and traits.
@Suite struct NodeCapabilitiesTests {
    @Test func storedPerNodeAndRewrittenOnlyWhenChanged() async throws {
        let store = try openStore()
        _ = try await addNode(store, "h1")
        #expect(try await store.nodeCapabilities(node: "h1") == nil)  // not reported yet: the API cannot know
        #expect(try await store.nodeTraits(node: "h1") == nil)

        let caps = DriverCapabilities([.pause, .imageTypeRaw])
        let before = try #require(try await store.schedulerChanges(since: nil, known: [:], includeInstanceUUIDs: false))
        try await store.setNodeCapabilities(node: "h1", caps, traits: caps.traits)
        #expect(try await store.nodeCapabilities(node: "h1") == caps)
        #expect(try await store.nodeTraits(node: "h1") == ["COMPUTE_IMAGE_TYPE_RAW"])
        let after = try #require(try await store.schedulerChanges(since: before.marker, known: [:],
                                                                  includeInstanceUUIDs: false)).marker

        // The same report every resource interval writes nothing, so the scheduler sees no change.
        try await store.setNodeCapabilities(node: "h1", caps, traits: caps.traits)
        #expect(try await store.schedulerChanges(since: after, known: [:], includeInstanceUUIDs: false) == nil)

        let fewer = DriverCapabilities([.imageTypeRaw])
        try await store.setNodeCapabilities(node: "h1", fewer, traits: fewer.traits)
        #expect(try await store.nodeCapabilities(node: "h1")?.supports(.pause) == false)
        #expect(try await store.nodeCapabilities(node: "unknown") == nil)
    }
}
