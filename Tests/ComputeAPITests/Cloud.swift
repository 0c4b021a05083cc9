import NimbusKernelTestKit
import NimbusTestCloud

/// The shared test cloud and HTTP answer, by the names these tests grew up with.
typealias Cloud = TestCloud
typealias Answer = HTTPAnswer
