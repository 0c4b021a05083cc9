import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// x509 keypairs as Nova makes them (`crypto.generate_winrm_x509_cert`, used before 2.92 when no public key is
/// given): a 2048-bit RSA key, a self-signed certificate for `CN=<user id>` valid ten years with client-auth
/// extended key usage and the Windows UPN `<user id>@localhost` as subject alternative name; the private key is
/// handed back as base64 of a PKCS#12 file (key and certificate) with an empty password, as
/// `openssl pkcs12 -export -password pass:` writes it.
enum X509Keypair {
    static let upnOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 20, 2, 3]

    static func generate(userID: String) throws -> (privateKey: String, certificate: String, fingerprint: String) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName(userID) }
        let upn = try ASN1Any(erasing: ASN1UTF8String(userID + "@localhost"))
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now,
            notValidAfter: now.addingTimeInterval(3650 * 86400), issuer: name, subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                try ExtendedKeyUsage([.clientAuth])
                SubjectAlternativeNames([.otherName(.init(typeID: upnOID, value: upn))])
            },
            issuerPrivateKey: .init(key))
        var der = DER.Serializer()
        try der.serialize(cert)
        let certDER = der.serializedBytes
        let keyDER = try pemBody(key.pkcs8PEMRepresentation)
        let pfx = try PKCS12.file(certificate: certDER, pkcs8Key: keyDER)
        return (Data(pfx).base64EncodedString(), try cert.serializeAsPEM().pemString + "\n", fingerprint(certDER))
    }

    /// Nova's `generate_x509_fingerprint`: SHA-1 of the certificate's DER as colon-separated hex; nil when the
    /// text is not a PEM certificate that parses.
    static func fingerprint(pem: String) -> String? {
        guard let cert = try? Certificate(pemEncoded: pem.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return nil
        }
        var der = DER.Serializer()
        guard (try? der.serialize(cert)) != nil else { return nil }
        return fingerprint(der.serializedBytes)
    }

    static func fingerprint(_ der: [UInt8]) -> String {
        Insecure.SHA1.hash(data: der).map { String(format: "%02x", $0) }.joined(separator: ":")
    }

    static func pemBody(_ pem: String) throws -> [UInt8] {
        let document = try PEMDocument(pemString: pem)
        return document.derBytes
    }
}

/// The smallest PKCS#12 (RFC 7292) that OpenSSL, Windows and Python read: an unencrypted key bag and a
/// certificate bag sharing a localKeyId, authenticated by an HMAC-SHA256 under the empty password.
enum PKCS12 {
    static let data: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]
    static let keyBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 1]
    static let certBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 3]
    static let x509Certificate: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 22, 1]
    static let localKeyID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 21]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    static let iterations = 2048

    static func file(certificate: [UInt8], pkcs8Key: [UInt8]) throws -> [UInt8] {
        let keyID = Array(Insecure.SHA1.hash(data: certificate))
        let certBagDER = try encode { c in
            try c.appendConstructedNode(identifier: .sequence) { c in
                try c.serialize(x509Certificate)
                try c.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { c in
                    try c.serialize(ASN1OctetString(contentBytes: certificate[...]))
                }
            }
        }
        let certSafe = try safeContents(bag: certBag, value: certBagDER, keyID: keyID)
        let keySafe = try safeContents(bag: keyBag, value: pkcs8Key, keyID: keyID)
        let authSafe = try encode { c in
            try c.appendConstructedNode(identifier: .sequence) { c in
                try contentInfo(&c, certSafe)
                try contentInfo(&c, keySafe)
            }
        }
        let salt = (0..<8).map { _ in UInt8.random(in: 0...255) }
        let macKey = SymmetricKey(data: kdf(salt: salt, iterations: iterations))
        let mac = Array(HMAC<SHA256>.authenticationCode(for: authSafe, using: macKey))
        return try encode { c in
            try c.appendConstructedNode(identifier: .sequence) { c in
                try c.serialize(3)
                try contentInfo(&c, authSafe)
                try c.appendConstructedNode(identifier: .sequence) { c in
                    try c.appendConstructedNode(identifier: .sequence) { c in
                        try c.appendConstructedNode(identifier: .sequence) { c in
                            try c.serialize(sha256)
                            try c.serialize(ASN1Null())
                        }
                        try c.serialize(ASN1OctetString(contentBytes: mac[...]))
                    }
                    try c.serialize(ASN1OctetString(contentBytes: salt[...]))
                    try c.serialize(iterations)
                }
            }
        }
    }

    static func encode(_ body: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
        var c = DER.Serializer()
        try body(&c)
        return c.serializedBytes
    }

    /// ContentInfo of type `data` wrapping `content` (DER) in an OCTET STRING.
    static func contentInfo(_ c: inout DER.Serializer, _ content: [UInt8]) throws {
        try c.appendConstructedNode(identifier: .sequence) { c in
            try c.serialize(data)
            try c.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { c in
                try c.serialize(ASN1OctetString(contentBytes: content[...]))
            }
        }
    }

    /// SafeContents holding one SafeBag (`value` is the DER that goes under the bag's [0]).
    static func safeContents(bag: ASN1ObjectIdentifier, value: [UInt8], keyID: [UInt8]) throws -> [UInt8] {
        try encode { c in
            try c.appendConstructedNode(identifier: .sequence) { c in
                try c.appendConstructedNode(identifier: .sequence) { c in
                    try c.serialize(bag)
                    try c.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { c in
                        try c.serialize(try ASN1Any(derEncoded: value))
                    }
                    try c.appendConstructedNode(identifier: .set) { c in
                        try c.appendConstructedNode(identifier: .sequence) { c in
                            try c.serialize(localKeyID)
                            try c.appendConstructedNode(identifier: .set) { c in
                                try c.serialize(ASN1OctetString(contentBytes: keyID[...]))
                            }
                        }
                    }
                }
            }
        }
    }

    /// RFC 7292 appendix B.2 with SHA-256 (u = 32, v = 64), purpose 3 (MAC key), the empty password as the
    /// BMPString terminator `00 00`; one 32-byte block is all HMAC-SHA256 needs.
    static func kdf(salt: [UInt8], iterations: Int) -> [UInt8] {
        let v = 64
        func fill(_ s: [UInt8]) -> [UInt8] {
            guard !s.isEmpty else { return [] }
            let n = v * ((s.count + v - 1) / v)
            return (0..<n).map { s[$0 % s.count] }
        }
        var a = Array(SHA256.hash(data: [UInt8](repeating: 3, count: v) + fill(salt) + fill([0, 0])))
        for _ in 1..<max(iterations, 1) { a = Array(SHA256.hash(data: a)) }
        return a
    }
}
