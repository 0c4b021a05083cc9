import CZeroMQ
import Foundation
import NimbusKernel

/// A CURVE keypair in Z85 text (40 characters each), as libzmq takes them.
public struct CurveKeyPair: Sendable, Hashable {
    public var publicKey: String
    public var secretKey: String

    /// A fresh keypair from libsodium (through libzmq).
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else {
            throw CurveKeyError.unsupported("zmq_curve_keypair: \(ZMQError.last("keypair")) (libzmq without CURVE?)")
        }
        return CurveKeyPair(publicKey: string(pub), secretKey: string(sec))
    }

    /// The public key belonging to a Z85 secret key.
    public static func publicKey(forSecret secret: String) throws -> String {
        var pub = [CChar](repeating: 0, count: 41)
        guard CurveKeyPair.isZ85Key(secret), zmq_curve_public(&pub, secret) == 0 else {
            throw CurveKeyError.invalid("not a Z85 CURVE secret key")
        }
        return string(pub)
    }

    static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// 40 characters of the Z85 alphabet.
    public static func isZ85Key(_ s: String) -> Bool {
        let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")
        return s.count == 40 && s.allSatisfy { alphabet.contains($0) }
    }
}

public enum CurveKeyError: Error, Sendable, CustomStringConvertible {
    case unsupported(String)
    case invalid(String)
    case missingFile(String, hint: String)

    public var description: String {
        switch self {
        case .unsupported(let why): "CURVE unavailable: \(why)"
        case .invalid(let why): "invalid CURVE key: \(why)"
        case .missingFile(let path, let hint): "CURVE key file \(path) is missing or unreadable; \(hint)"
        }
    }
}

/// Key files on disk: the keygen entry point (`nimbus manage zmq keygen`) and the loaders the transport uses.
public enum CurveKeyFiles {
    /// Generates a keypair into `secretKeyFile` (mode 0600) and `publicKeyFile` (0644), creating
    /// directories. Refuses to overwrite an existing secret unless `overwrite` is set: replacing a
    /// key silently locks out every peer that trusts the old one.
    @discardableResult
    public static func generate(secretKeyFile: String, publicKeyFile: String, overwrite: Bool = false) throws
        -> CurveKeyPair
    {
        let fm = FileManager.default
        if !overwrite && fm.fileExists(atPath: secretKeyFile) {
            throw CurveKeyError.invalid("\(secretKeyFile) already exists (pass overwrite to replace it)")
        }
        let pair = try CurveKeyPair.generate()
        for path in [secretKeyFile, publicKeyFile] {
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                   withIntermediateDirectories: true)
        }
        // Create the secret with 0600 before writing so it is never readable by others, even briefly.
        _ = fm.createFile(atPath: secretKeyFile, contents: nil, attributes: [.posixPermissions: 0o600])
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretKeyFile)
        try Data((pair.secretKey + "\n").utf8).write(to: URL(fileURLWithPath: secretKeyFile))
        try Data((pair.publicKey + "\n").utf8).write(to: URL(fileURLWithPath: publicKeyFile))
        try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: publicKeyFile)
        return pair
    }

    /// The configured key files for a config (paths under `state_path` expanded), so the keygen
    /// command writes exactly where the transport will read.
    public static func paths(config: NimbusConfig) throws -> (secretKeyFile: String, publicKeyFile: String) {
        (ZeroMQSettings.path(ZeroMQSettings.curveSecretKeyFile, config),
         ZeroMQSettings.path(ZeroMQSettings.curvePublicKeyFile, config))
    }

    /// Reads one Z85 key from the first non-comment line of a file.
    static func readKey(_ path: String, hint: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CurveKeyError.missingFile(path, hint: hint)
        }
        guard let key = keys(in: text).first else { throw CurveKeyError.invalid("\(path) holds no Z85 key") }
        return key
    }

    /// Every Z85 key in an allow-list text: the first word of each line when it is a 40-character key,
    /// so `# comment` lines and trailing notes are skipped. (`#` is itself a Z85 character, so a line
    /// is never dropped just for starting with it.)
    static func keys(in text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .compactMap { $0.split(whereSeparator: \.isWhitespace).first.map(String.init) }
            .filter(CurveKeyPair.isZ85Key)
    }
}
