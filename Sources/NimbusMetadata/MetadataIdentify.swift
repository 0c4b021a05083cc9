import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MetadataDocuments
import NimbusStore

/// Why a request was not answered with a document (Nova's webob errors, plain text).
struct MetadataRefusal: Error {
    var status: HTTPResponse.Status
    var message: String?
}

extension MetadataServer {
    /// The requesting instance's metadata (Nova's `MetadataRequestHandler.__call__`): behind Neutron's proxy from
    /// the signed `X-Instance-ID`, otherwise from the connection's source address. Returns the source and the
    /// requester's address (EC2 `local-ipv4` fallback).
    func identify(_ req: Request, remote: String?) async throws -> (MetadataSource, String?) {
        guard settings.behindProxy else {
            guard let ip = remote else { throw MetadataRefusal(status: .notFound) }
            if let hit = cache.get("metadata-" + ip) { return (hit, ip) }
            let ports = try await store.ports(fixedIP: ip).filter { !$0.deviceID.isEmpty }
            let devices = Set(ports.map(\.deviceID))
            if devices.count > 1 {  // Nova: FixedIpAssociatedWithMultipleInstances, answered as a 500
                logger.error("metadata: fixed IP \(ip) belongs to several instances: \(devices.sorted())")
                throw MetadataRefusal(status: .internalServerError,
                                      message: "An unknown error has occurred. Please try your request again.")
            }
            guard let device = devices.first, let uuid = UUID(uuidString: device),
                  let source = try await store.metadataSource(uuid, dhcpDomain: settings.dhcpDomain) else {
                logger.info("metadata: no instance for fixed IP \(ip)")
                throw MetadataRefusal(status: .notFound)
            }
            cache.put("metadata-" + ip, source)
            return (source, ip)
        }
        func one(_ name: String) -> [String] { HTTPField.Name(name).map { req.headers[values: $0] } ?? [] }
        let ids = one("X-Instance-ID"), tenants = one("X-Tenant-ID"), signatures = one("X-Instance-ID-Signature")
        let why: String? = ids.isEmpty ? "X-Instance-ID header is missing from request."
            : signatures.isEmpty ? "X-Instance-ID-Signature header is missing from request."
            : tenants.isEmpty ? "X-Tenant-ID header is missing from request."
            : ids.count > 1 ? "Multiple X-Instance-ID headers found within request."
            : tenants.count > 1 ? "Multiple X-Tenant-ID headers found within request." : nil
        if let why { throw MetadataRefusal(status: .badRequest, message: why) }
        let id = ids[0], tenant = tenants[0]
        guard Self.signatureMatches(id, signatures[0], secret: settings.sharedSecret) else {
            logger.warning("metadata: X-Instance-ID-Signature does not match the expected value for \(id)")
            throw MetadataRefusal(status: .forbidden, message: "Invalid proxy request signature.")
        }
        let forwarded = one("X-Forwarded-For").first?.split(separator: ",").first
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let key = "metadata-" + id.lowercased()
        var source = cache.get(key)
        if source == nil, let uuid = UUID(uuidString: id), let s = try await store.metadataSource(uuid, dhcpDomain: settings.dhcpDomain) {
            cache.put(key, s)
            source = s
        }
        guard let source else { throw MetadataRefusal(status: .notFound) }
        guard source.projectID == tenant else {
            logger.warning("metadata: X-Tenant-ID \(tenant) is not the project of instance \(id)")
            throw MetadataRefusal(status: .notFound, message: "Tenant_id \(tenant) does not match tenant_id of instance \(id).")
        }
        return (source, forwarded)
    }

    /// Neutron's `sign_instance_id`: HMAC-SHA256 of the instance id, hex; compared in constant time.
    public static func signature(_ instanceID: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(instanceID.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    static func signatureMatches(_ instanceID: String, _ given: String, secret: String) -> Bool {
        let expected = Array(signature(instanceID, secret: secret).utf8), got = Array(given.utf8)
        guard expected.count == got.count else { return false }  // the length is public (64 hex digits)
        var diff: UInt8 = 0
        for i in expected.indices { diff |= expected[i] ^ got[i] }
        return diff == 0
    }
}
