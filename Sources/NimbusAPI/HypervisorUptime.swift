import ComputeRPC
import Foundation
import NimbusJSON
import Hummingbird
import NimbusKernel
import NimbusRPC
import NimbusStore

/// Host uptime for os-hypervisors, as Nova gets it: `get_host_uptime` on the host's compute (its driver runs
/// `uptime`), refused up front when the compute service is down (Nova's `_assert_host_exists(must_be_up=True)`).
extension ComputeAPI {
    enum HostUptime {
        case text(String)
        /// The driver cannot say (Nova's NotImplementedError: the fake driver has no `get_host_uptime`).
        case unsupported
        /// Nova's ComputeServiceUnavailable.
        case unavailable
    }

    func hostUptime(_ host: String, _ service: ServiceRecord?) async -> HostUptime {
        guard isUp(service) else { return .unavailable }
        do {
            return .text(try await compute.prepare(server: host).call(ComputeManagerAPI.getHostUptime, Empty()))
        } catch let e as RemoteError where e.type == "NotImplemented" {
            return .unsupported
        } catch {
            return .unavailable
        }
    }

    /// Uptime per host for the 2.88+ detail view (null when the driver cannot say or the host is down), asked of
    /// all hosts at once.
    func hostUptimes(_ nodes: [ComputeNodeRecord], _ services: [String: ServiceRecord]) async -> [String: String] {
        await withTaskGroup(of: (String, String?).self) { group in
            for host in Set(nodes.map(\.host)) {
                group.addTask {
                    if case .text(let t) = await hostUptime(host, services[host]) { return (host, t) }
                    return (host, nil)
                }
            }
            var out: [String: String] = [:]
            for await (host, t) in group { if let t { out[host] = t } }
            return out
        }
    }

    /// Nova's `_validate_id`: a UUID from 2.53 (else 400), an integer before (else 404).
    static func validateHypervisorID(_ id: String, _ ctx: NimbusRequestContext) throws {
        if ctx.at(53) {
            guard UUID(uuidString: id) != nil else { throw NovaError.badRequest("Invalid uuid \(id)") }
        } else if Int(id) == nil {
            throw NovaError.notFound("Hypervisor with ID '\(id)' could not be found.")
        }
    }

    /// `GET /os-hypervisors/{id}/uptime` (until 2.87): the list view of the node plus `uptime`; 501 when the
    /// driver cannot say, 400 when its compute is down.
    func hypervisorUptime(_ ctx: NimbusRequestContext) async throws -> Response {
        try Policy.admin(ctx, "os_compute_api:os-hypervisors:uptime")
        guard !ctx.at(88) else { throw NovaError.notFound("The resource could not be found.") }
        let id = ctx.parameters.get("id") ?? ""
        try Self.validateHypervisorID(id, ctx)
        let node = try await store.computeNodes().first {
            ctx.at(53) ? $0.uuid == UUID(uuidString: id) : String($0.id) == id
        }
        guard let node, var body = try await hypervisorViews(ctx, detail: false, servers: false)
            .first(where: { Self.idString($0) == id })?.object
        else { throw NovaError.notFound("Hypervisor with ID '\(id)' could not be found.") }
        let service = try await store.services(binary: "nova-compute", host: node.host).first
        switch await hostUptime(node.host, service) {
        case .text(let t): body["uptime"] = .string(t)
        case .unsupported: throw NovaError(.notImplemented, "The requested functionality is not supported.")
        case .unavailable: throw NovaError.badRequest("Compute service of \(node.host) is unavailable at this time.")
        }
        return try json(.ok, ["hypervisor": .object(body)])
    }
}
