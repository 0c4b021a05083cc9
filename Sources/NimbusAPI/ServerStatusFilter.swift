import Foundation
import NimbusKernel

extension ComputeAPI {
    /// `?status=` as Nova's `_get_servers` reads it: the vm_states of the statuses it knows (unknown ones are
    /// ignored); none known is 400 "Invalid status value" from 2.38 and an empty listing (nil) before; listing
    /// only deleted servers is for admins (403).
    static func statusFilter(_ statuses: [String], _ ctx: NimbusRequestContext) throws -> [String]? {
        var states: [String] = []
        for st in statuses {
            for s in statusStates[st.uppercased()] ?? [] where !states.contains(s) { states.append(s) }
        }
        if states.isEmpty {
            if ctx.at(38) { throw NovaError.badRequest("Invalid status value") }
            return nil
        }
        if states == ["deleted"], !ctx.auth.isAdmin {
            throw NovaError.forbidden("Only administrators may list deleted instances")
        }
        return states.sorted()
    }
}
