import Foundation
import NimbusKernel

/// Transport between services of one process (all-in-one, tests): messages are handed over in memory,
/// bounded per listener. Selected by `transport_url = inprocess://[name]`.
public struct InProcessTransport: Transport {
    public static let name = "inprocess"
    public static let urlSchemes = ["inprocess"]
    public static let configOptions: [ConfigOption] = [
        queueLimit.declaration, maxMessageSizeOption.declaration,
    ]
    static let queueLimit = TypedOption<Int>("inprocess", "queue_limit", default: 100_000,
                                             help: "Messages buffered per listener.")
    static let maxMessageSizeOption = TypedOption<Int>("inprocess", "max_message_size", default: 64 << 20,
                                                       help: "Largest payload in bytes.")

    let bus: InProcessBus
    let maxMessageSize: Int

    public init(context: PluginContext) throws {
        let url = CoreOptions.transportURL.read(context.config)
        let name = url.hasPrefix("inprocess://") ? String(url.dropFirst("inprocess://".count)) : ""
        let limit = try Self.queueLimit.read(context.config)
        self.bus = InProcessBus.named(name, queueLimit: limit)
        self.maxMessageSize = try Self.maxMessageSizeOption.read(context.config)
    }

    private func check(_ payload: Data) throws(TransportError) {
        if payload.count > maxMessageSize { throw .messageTooLarge(payload.count, limit: maxMessageSize) }
    }

    public func listen(_ target: TransportTarget) async throws -> TransportSubscription {
        bus.listen(target)
    }

    public func request(_ payload: Data, to target: TransportTarget, timeout: Duration) async throws -> Data {
        try check(payload)
        let slot = OneShotReply()
        try bus.deliver(InboundMessage(payload: payload, replyChannel: slot), to: target)
        let timer = Task {
            try await Task.sleep(for: timeout)
            slot.finish(.failure(TransportError.timeout(target, timeout)))
        }
        defer { timer.cancel() }
        return try await slot.wait()
    }

    public func send(_ payload: Data, to target: TransportTarget) async throws {
        try check(payload)
        try bus.deliver(InboundMessage(payload: payload, replyChannel: nil), to: target)
    }

    public func fanout(_ payload: Data, topic: String) async throws {
        try check(payload)
        try bus.fanout(InboundMessage(payload: payload, replyChannel: nil), topic: topic)
    }

    public func shutdown() async {}
}
