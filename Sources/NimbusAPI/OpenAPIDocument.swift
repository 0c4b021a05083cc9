import Foundation
import Hummingbird
import NimbusJSON

/// The OpenAPI 3 document of the compute API, built from the router's own route list and the table
/// below (a test fails when a route lacks an entry or an entry lacks a route, so they stay in step).
enum OpenAPIDocument {
    /// "METHOD /path" (under /v2.1) → summary, success status, microversion note.
    static var operations: [String: (summary: String, status: Int, versions: String)] {
        var ops = table
        for name in ComputeAPI.removedAPIs {
            for m in ["GET", "POST", "PUT", "DELETE"] { ops["\(m) /\(name)"] = ("Removed API", 410, "") }
        }
        return ops
    }

    static let table: [String: (summary: String, status: Int, versions: String)] = [
        "GET /": ("Versions", 200, ""),
        "GET /servers": ("List servers (id, name, links)", 200, ""),
        "POST /servers": ("Create servers", 202, "networks required 2.37+"),
        "GET /servers/detail": ("List servers with details", 200, ""),
        "GET /servers/{id}": ("Show server", 200, "fields by microversion up to 2.100"),
        "PUT /servers/{id}": ("Update server", 200, ""),
        "DELETE /servers/{id}": ("Delete server", 204, ""),
        "POST /servers/{id}/action": ("Server action (reboot, os-stop, os-start, pause, unpause, suspend, resume, lock, unlock, os-getConsoleOutput, forceDelete, os-resetState; os-getVNCConsole, os-getSerialConsole 2.1-2.5 answer 200; Nova's other actions answer 501)", 202, ""),
        "POST /servers/{id}/remote-consoles": ("Remote console URL with a console auth token (vnc/novnc, serial; spice, rdp, mks 400 Unavailable console type)", 200, "2.6+"),
        "GET /os-console-auth-tokens/{token}": ("Show a console auth token's connection (admin)", 200, "2.31+"),
        "GET /servers/{id}/diagnostics": ("Server diagnostics: not supported (501)", 501, ""),
        "GET /servers/{id}/metadata": ("List server metadata", 200, ""),
        "POST /servers/{id}/metadata": ("Merge server metadata", 200, ""),
        "PUT /servers/{id}/metadata": ("Replace server metadata", 200, ""),
        "GET /servers/{id}/metadata/{key}": ("Show metadata item", 200, ""),
        "PUT /servers/{id}/metadata/{key}": ("Set metadata item", 200, ""),
        "DELETE /servers/{id}/metadata/{key}": ("Delete metadata item", 204, ""),
        "GET /servers/{id}/tags": ("List tags", 200, "2.26+"),
        "PUT /servers/{id}/tags": ("Replace tags", 200, "2.26+"),
        "DELETE /servers/{id}/tags": ("Delete all tags", 204, "2.26+"),
        "GET /servers/{id}/tags/{tag}": ("Check tag", 204, "2.26+"),
        "PUT /servers/{id}/tags/{tag}": ("Add tag", 201, "2.26+"),
        "DELETE /servers/{id}/tags/{tag}": ("Delete tag", 204, "2.26+"),
        "GET /servers/{id}/ips": ("List addresses", 200, ""),
        "GET /servers/{id}/ips/{network}": ("Addresses on a network", 200, ""),
        "GET /servers/{id}/os-interface": ("List the server's ports (from Neutron)", 200, "tag 2.70+"),
        "GET /servers/{id}/os-interface/{port}": ("Show one of the server's ports", 200, ""),
        "POST /servers/{id}/os-interface": ("Attach an interface (no driver supports it yet: 400)", 400, ""),
        "GET /servers/{id}/os-instance-actions": ("List instance actions", 200, "paging 2.58+"),
        "GET /servers/{id}/os-instance-actions/{rid}": ("Show instance action with events", 200, ""),
        "GET /servers/{id}/migrations": ("List in-progress live migrations (admin)", 200, "2.22+"),
        "GET /servers/{id}/migrations/{mid}": ("Show an in-progress live migration (admin)", 200, "2.22+"),
        "POST /servers/{id}/migrations/{mid}/action": ("Force a live migration to complete (admin)", 202, "2.22+"),
        "DELETE /servers/{id}/migrations/{mid}": ("Abort a live migration (admin)", 202, "2.24+"),
        "GET /os-migrations": ("List migrations (admin)", 200, "paging 2.59+"),
        "GET /flavors": ("List flavors", 200, ""),
        "POST /flavors": ("Create flavor (admin)", 200, ""),
        "GET /flavors/detail": ("List flavors with details", 200, ""),
        "GET /flavors/{id}": ("Show flavor", 200, ""),
        "PUT /flavors/{id}": ("Update flavor description (admin)", 200, "2.55+"),
        "DELETE /flavors/{id}": ("Delete flavor (admin)", 202, ""),
        "POST /flavors/{id}/action": ("addTenantAccess / removeTenantAccess (admin)", 200, ""),
        "GET /flavors/{id}/os-flavor-access": ("List flavor access (admin)", 200, ""),
        "GET /flavors/{id}/os-extra_specs": ("List extra specs", 200, ""),
        "POST /flavors/{id}/os-extra_specs": ("Create extra specs (admin)", 200, ""),
        "GET /flavors/{id}/os-extra_specs/{key}": ("Show extra spec", 200, ""),
        "PUT /flavors/{id}/os-extra_specs/{key}": ("Update extra spec (admin)", 200, ""),
        "DELETE /flavors/{id}/os-extra_specs/{key}": ("Delete extra spec (admin)", 202, ""),
        "GET /os-keypairs": ("List keypairs", 200, ""),
        "POST /os-keypairs": ("Create or import keypair", 201, "200 before 2.2; public_key required 2.92+"),
        "GET /os-keypairs/{name}": ("Show keypair", 200, ""),
        "DELETE /os-keypairs/{name}": ("Delete keypair", 204, "202 before 2.2"),
        "GET /os-server-groups": ("List server groups", 200, ""),
        "POST /os-server-groups": ("Create server group", 200, "policy/rules 2.64+"),
        "GET /os-server-groups/{id}": ("Show server group", 200, ""),
        "DELETE /os-server-groups/{id}": ("Delete server group", 204, ""),
        "GET /os-aggregates": ("List aggregates (admin)", 200, ""),
        "POST /os-aggregates": ("Create aggregate (admin)", 200, ""),
        "GET /os-aggregates/{id}": ("Show aggregate (admin)", 200, ""),
        "PUT /os-aggregates/{id}": ("Update aggregate (admin)", 200, ""),
        "DELETE /os-aggregates/{id}": ("Delete aggregate (admin)", 200, ""),
        "POST /os-aggregates/{id}/action": ("add_host / remove_host / set_metadata (admin)", 200, ""),
        "GET /os-availability-zone": ("List availability zones", 200, ""),
        "GET /os-availability-zone/detail": ("Availability zones with hosts (admin)", 200, ""),
        "GET /os-services": ("List services (admin)", 200, "UUID ids 2.53+"),
        "PUT /os-services/{id}": ("Update service (admin); enable/disable/force-down before 2.53", 200, ""),
        "DELETE /os-services/{id}": ("Delete service (admin)", 204, ""),
        "GET /os-hypervisors": ("List hypervisors (admin)", 200, ""),
        "GET /os-hypervisors/detail": ("List hypervisors with details (admin)", 200, "usage fields removed 2.88"),
        "GET /os-hypervisors/statistics": ("Hypervisor statistics (admin)", 200, "until 2.87"),
        "GET /os-hypervisors/{id}": ("Show hypervisor (admin)", 200, ""),
        "GET /os-hypervisors/{id}/uptime": ("Hypervisor uptime (admin)", 200, "until 2.87"),
        "GET /os-hypervisors/{id}/search": ("Search hypervisors (admin)", 200, "until 2.52"),
        "GET /os-hypervisors/{id}/servers": ("Hypervisors with servers (admin)", 200, "until 2.52"),
        "GET /os-hosts": ("List hosts (admin)", 200, "until 2.42"),
        "GET /os-hosts/{host}": ("Show host resources (admin)", 200, "until 2.42"),
        "PUT /os-hosts/{host}": ("Enable/disable host (admin)", 200, "until 2.42"),
        "GET /os-hosts/{host}/reboot": ("Host power action (admin; 501)", 501, "until 2.42"),
        "GET /os-hosts/{host}/shutdown": ("Host power action (admin; 501)", 501, "until 2.42"),
        "GET /os-hosts/{host}/startup": ("Host power action (admin; 501)", 501, "until 2.42"),
        "GET /limits": ("Absolute limits and usage", 200, ""),
        "GET /os-quota-sets/{project}": ("Show quotas", 200, ""),
        "PUT /os-quota-sets/{project}": ("Update quotas (admin)", 200, ""),
        "DELETE /os-quota-sets/{project}": ("Revert quotas to defaults (admin)", 202, ""),
        "GET /os-quota-sets/{project}/detail": ("Quotas with usage", 200, ""),
        "GET /os-quota-sets/{project}/defaults": ("Default quotas", 200, ""),
        "GET /os-quota-class-sets/{id}": ("Show a quota class (admin)", 200, "server groups 2.50+, no file injection 2.57+"),
        "PUT /os-quota-class-sets/{id}": ("Update a quota class; `default` sets new projects' quotas (admin)", 200, ""),
        "GET /os-simple-tenant-usage": ("Usage of all projects (admin)", 200, ""),
        "GET /os-simple-tenant-usage/{project}": ("Usage of one project", 200, ""),
        "GET /os-networks": ("nova-network proxy (empty)", 200, "until 2.35"),
        "GET /os-networks/{id}": ("nova-network proxy (404)", 404, "until 2.35"),
    ]

    /// Paths under /v2.1 as the router lists them, in OpenAPI form (`:id` → `{id}`), with their methods.
    static func routes(_ router: Router<NimbusRequestContext>) -> [String] {
        router.routes.compactMap { r in
            let path = "\(r.path)"
            guard path.hasPrefix("/v2.1/"), !path.contains("**") else { return nil }
            let p = path.dropFirst("/v2.1".count).split(separator: "/").map {
                $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
            }.joined(separator: "/")
            return "\(r.method.rawValue) /\(p)"
        }
    }

    static func document() -> JSON {
        var paths: [String: [String: JSON]] = [:]
        for (key, op) in operations {
            let parts = key.split(separator: " ", maxSplits: 1)
            let method = parts[0].lowercased(), path = key == "GET /" ? "/" : "/v2.1" + parts[1]
            let params: [JSON] = path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
                ["name": .string(String($0.dropFirst().dropLast())), "in": "path", "required": true,
                 "schema": ["type": "string"]]
            }
            paths[path, default: [:]][method] = [
                "summary": .string(op.summary), "description": .string(op.versions.isEmpty ? "" : "Microversions: \(op.versions)"),
                "parameters": .array(params + [["name": "OpenStack-API-Version", "in": "header", "required": false,
                                                "schema": ["type": "string", "example": "compute 2.100"]]]),
                "responses": [String(op.status): ["description": "success"],
                              "default": ["description": "Nova error body {\"<fault>\": {\"code\", \"message\"}}"]],
            ]
        }
        return ["openapi": "3.0.3",
                "info": ["title": "Nimbus Compute API", "version": .string("2.1-\(APIVersion.max)"),
                         "description": .string("OpenStack Compute API v2.1 with microversions 2.1 to \(APIVersion.max)")],
                "paths": .object(paths.mapValues { .object($0) })]
    }
}
