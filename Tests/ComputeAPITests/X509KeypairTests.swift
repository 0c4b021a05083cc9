import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

@Suite struct X509KeypairTests {
    /// Before 2.92 Nova generates an x509 keypair when none is given: a PEM certificate for the user as public
    /// key, its SHA-1 fingerprint, and base64 PKCS#12 as private key; a given certificate is imported.
    @Test func x509KeypairsAreGeneratedAndImported() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let r = try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "win", "type": "x509"]],
                                         version: "2.2")
            #expect(r.status == 201, "\(r.body)")
            let k = try #require(r["keypair"] as? [String: Any])
            let pem = try #require(k["public_key"] as? String)
            #expect(k["type"] as? String == "x509")
            #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            let der = try #require(Data(base64Encoded: body))
            let sha1 = try #require(k["fingerprint"] as? String)
            #expect(sha1.split(separator: ":").count == 20 && sha1.allSatisfy { $0 == ":" || $0.isHexDigit })
            let p12 = try #require((k["private_key"] as? String).flatMap { Data(base64Encoded: $0) })
            #expect(p12.first == 0x30 && p12.count > 1000)  // a DER SEQUENCE holding a 2048-bit key and the certificate
            // The certificate names the user (noauth2: "admin") as Nova's `/CN=<user_id>`.
            #expect(der.range(of: Data("admin@localhost".utf8)) != nil)

            let imported = try await cloud.call("POST", "/v2.1/os-keypairs",
                                                ["keypair": ["name": "win2", "type": "x509", "public_key": pem]],
                                                version: "2.2")
            #expect(imported.status == 201 && (imported["keypair"] as? [String: Any])?["fingerprint"] as? String == sha1)
            let junk = try await cloud.call("POST", "/v2.1/os-keypairs",
                                            ["keypair": ["name": "win3", "type": "x509", "public_key": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]],
                                            version: "2.2")
            #expect(junk.status == 400)
            // From 2.92 a public key is required, for either type.
            #expect(try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "w4", "type": "x509"]],
                                         version: "2.92").status == 400)
        }
    }
}
