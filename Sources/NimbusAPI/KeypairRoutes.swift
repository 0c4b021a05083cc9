import Crypto
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// os-keypairs: per user; `type` 2.2+, `user_id` (admin) 2.10+, paging 2.35+, no generation from 2.92.
extension ComputeAPI {
    func addKeypairRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-keypairs") { req, ctx in
            let q = Self.query(req)
            let user = try keypairUser(q["user_id"]?.last, ctx)
            var list = try await store.keypairs(user: user)
            if ctx.at(35) {
                let (limit, marker) = try page(q)
                if let marker {
                    guard let idx = list.firstIndex(where: { $0.name == marker }) else {
                        throw NovaError.badRequest("marker [\(marker)] not found")
                    }
                    list = Array(list[(idx + 1)...])
                }
                list = Array(list.prefix(limit))
            }
            return try json(.ok, ["keypairs": .array(list.map { k in
                var o: [String: JSON] = ["name": .string(k.name), "public_key": .string(k.publicKey),
                                         "fingerprint": .string(k.fingerprint)]
                if ctx.at(2) { o["type"] = .string(k.type) }
                return ["keypair": .object(o)]
            })])
        }
        g.get("os-keypairs/:name") { req, ctx in
            let user = try keypairUser(Self.query(req)["user_id"]?.last, ctx)
            let name = ctx.parameters.get("name") ?? ""
            guard let k = try await store.keypair(user: user, name: name) else {
                throw NovaError.notFound("Keypair \(name) not found for user \(user)")
            }
            var o = Self.keypairView(k, ctx)
            o.merge(["created_at": NovaTime.micro(k.createdAt), "deleted": false, "deleted_at": nil, "updated_at": nil,
                     "id": .int(Int(k.createdAt.timeIntervalSince1970))]) { a, _ in a }
            return try json(.ok, ["keypair": .object(o)])
        }
        g.delete("os-keypairs/:name") { req, ctx in
            let user = try keypairUser(Self.query(req)["user_id"]?.last, ctx)
            let name = ctx.parameters.get("name") ?? ""
            do { try await store.deleteKeypair(user: user, name: name) } catch StoreError.notFound {
                throw NovaError.notFound("Keypair \(name) not found for user \(user)")
            }
            return empty(ctx.at(2) ? .noContent : .accepted)
        }
        g.post("os-keypairs") { req, ctx in try await createKeypair(req, ctx) }
    }

    /// Whose keypairs: the caller's, or (admin, 2.10+) the `user_id` asked for.
    func keypairUser(_ asked: String?, _ ctx: NimbusRequestContext) throws -> String {
        guard let asked, ctx.at(10), asked != ctx.auth.userID else { return ctx.auth.userID }
        try Policy.admin(ctx, "os_compute_api:os-keypairs:index")
        return asked
    }

    static func keypairView(_ k: KeypairRecord, _ ctx: NimbusRequestContext) -> [String: JSON] {
        var o: [String: JSON] = ["name": .string(k.name), "public_key": .string(k.publicKey),
                                 "fingerprint": .string(k.fingerprint), "user_id": .string(k.userID)]
        if ctx.at(2) { o["type"] = .string(k.type) }
        return o
    }

    func createKeypair(_ req: Request, _ ctx: NimbusRequestContext) async throws -> Response {
        let body = try await Self.wrapped(req, "keypair", ctx)
        var allowed: Set<String> = ["name", "public_key"]
        if ctx.at(2) { allowed.insert("type") }
        if ctx.at(10) { allowed.insert("user_id") }
        try body.only(allowed)
        if ctx.at(92) { try body.require("name", "public_key") } else { try body.require("name") }
        let name = try body.string("name", required: true, min: 1, max: 255)!
        let pattern = ctx.at(92) ? " _-@." : " _-"
        guard name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || pattern.contains($0) }),
              name == name.trimmingCharacters(in: .whitespaces) else {
            throw Fields.invalid("name", .string(name), "'\(name)' does not match the keypair name pattern")
        }
        let type = try body.string("type") ?? "ssh"
        guard type == "ssh" || type == "x509" else {
            throw Fields.invalid("type", .string(type), "'\(type)' is not one of ['ssh', 'x509']")
        }
        let user = try keypairUser(try body.string("user_id"), ctx)
        try Policy.member(ctx, "os_compute_api:os-keypairs:create")
        var privateKey: String?
        let publicKey: String
        if let pk = try body.string("public_key", max: 16384) {
            publicKey = pk.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            if type == "x509" {
                // Nova's generate_winrm_x509_cert: a certificate for the user, its key as base64 PKCS#12.
                let generated = try X509Keypair.generate(userID: user)
                (publicKey, privateKey) = (generated.certificate, generated.privateKey)
            } else {
                let generated = SSHKey.generateEd25519(comment: "Generated-by-Nova")
                publicKey = generated.publicKey
                privateKey = generated.privateKey
            }
        }
        let fingerprint: String
        if type == "ssh" {
            guard let f = SSHKey.fingerprint(publicKey) else {
                throw NovaError.badRequest("Keypair data is invalid: failed to generate fingerprint")
            }
            fingerprint = f
        } else {
            guard let f = X509Keypair.fingerprint(pem: publicKey) else {
                throw NovaError.badRequest("Keypair data is invalid: failed to generate X509 fingerprint. Error message: the public key is not a PEM X.509 certificate")
            }
            fingerprint = f
        }
        let limit = try await effectiveQuotas(ctx.auth.projectID)["key_pairs"]
        let k = KeypairRecord(userID: user, name: name, type: type, publicKey: publicKey, fingerprint: fingerprint)
        try await Self.mapped { try await store.createKeypair(k, limit: limit) }
        var o = Self.keypairView(k, ctx)
        if let privateKey { o["private_key"] = .string(privateKey) }
        return try json(ctx.at(2) ? .created : .ok, ["keypair": .object(o)])
    }
}

/// OpenSSH key encoding for generated keypairs and fingerprints (Nova's `crypto.generate_fingerprint`).
enum SSHKey {
    static func sshString(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        let b = Array(bytes)
        let n = UInt32(b.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + b
    }

    /// An ed25519 keypair: the OpenSSH public line and the unencrypted `OPENSSH PRIVATE KEY` PEM.
    static func generateEd25519(comment: String) -> (publicKey: String, privateKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        let pub = Array(key.publicKey.rawRepresentation)
        let seed = Array(key.rawRepresentation)
        let kind = Array("ssh-ed25519".utf8)
        let pubBlob = sshString(kind) + sshString(pub)
        let check = UInt32.random(in: 0...UInt32.max)
        let checkBytes = [UInt8(check >> 24), UInt8((check >> 16) & 0xFF), UInt8((check >> 8) & 0xFF), UInt8(check & 0xFF)]
        var priv = checkBytes + checkBytes + sshString(kind) + sshString(pub) + sshString(seed + pub)
            + sshString(Array(comment.utf8))
        var pad: UInt8 = 1
        while priv.count % 8 != 0 { priv.append(pad); pad += 1 }
        let blob = Array("openssh-key-v1".utf8) + [0] + sshString(Array("none".utf8)) + sshString(Array("none".utf8))
            + sshString([]) + [0, 0, 0, 1] + sshString(pubBlob) + sshString(priv)
        let b64 = Data(blob).base64EncodedString()
        var lines: [String] = []
        var rest = Substring(b64)
        while !rest.isEmpty { lines.append(String(rest.prefix(70))); rest = rest.dropFirst(70) }
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + lines.joined(separator: "\n")
            + "\n-----END OPENSSH PRIVATE KEY-----\n"
        return ("ssh-ed25519 \(Data(pubBlob).base64EncodedString()) \(comment)", pem)
    }

    /// MD5 of the key blob as colon-separated hex; nil when the line is not an OpenSSH public key.
    static func fingerprint(_ line: String) -> String? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])), blob.count > 4 else { return nil }
        let n = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard n > 0, 4 + n <= blob.count, String(decoding: blob[4..<(4 + n)], as: UTF8.self) == String(parts[0]) else {
            return nil
        }
        return Insecure.MD5.hash(data: blob).map { String(format: "%02x", $0) }.joined(separator: ":")
    }
}
