/// `report_interval` and `service_down_time`, with Nova's auto-correction: if the down time is not longer
/// than the report interval, it becomes `int(report_interval * 2.5)`.
public struct ServiceTiming: Sendable, Hashable {
    public var reportInterval: Double
    public var serviceDownTime: Double

    public init(config: NimbusConfig) throws {
        let interval = try CoreOptions.reportInterval.read(config)
        let down = try CoreOptions.serviceDownTime.read(config)
        self.init(reportInterval: interval, serviceDownTime: down)
    }

    public init(reportInterval: Double, serviceDownTime: Double) {
        self.reportInterval = reportInterval
        self.serviceDownTime = serviceDownTime <= reportInterval ? (reportInterval * 2.5).rounded(.down) : serviceDownTime
    }
}
