import Foundation
import NimbusKernel
import Testing

@Suite struct DriverCapabilitiesTests {
    @Test func onlyNovasCapabilitiesBecomeTraits() {
        let c = DriverCapabilities([.pause, .suspend, .imageTypeQcow2, .imageTypeRaw, "supports_something_new"])
        #expect(c.traits == ["COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_IMAGE_TYPE_RAW"])
        #expect(DriverCapability.pause.trait == nil)
        #expect(DriverCapability.multiattach.trait == "COMPUTE_VOLUME_MULTI_ATTACH")
    }

    @Test func encodesAsASortedArrayAndKeepsUnknownNames() throws {
        let c = DriverCapabilities([.suspend, .pause, "supports_future_thing"])
        let data = try JSONEncoder().encode(c)
        #expect(String(decoding: data, as: UTF8.self)
            == #"["supports_future_thing","supports_pause","supports_suspend"]"#)
        #expect(try JSONDecoder().decode(DriverCapabilities.self, from: data) == c)
    }
}
