import CZeroMQ
import Foundation
import Logging

/// ZeroMQ Authentication Protocol (RFC 27) handler: libzmq asks it, over `inproc://zeromq.zap.01` in
/// the transport's context, whether a CURVE client key may connect. It answers from the allow-list
/// file (re-read when its modification time changes, so keys can be added without a restart), our own
/// public key (a process may call itself), and keys added in code. Lives on the poller thread.
final class ZAPHandler {
    static let endpoint = "inproc://zeromq.zap.01"

    let socket: ZMQSocket
    private let allowListFile: String
    private let ownPublicKey: String
    private let extraKeys: @Sendable () -> Set<String>
    private let logger: Logger
    private var fileKeys: Set<String> = []
    private var fileStamp: Date?
    private var warnedMissing = false

    init(context: UnsafeMutableRawPointer, allowListFile: String, ownPublicKey: String,
         extraKeys: @escaping @Sendable () -> Set<String>, logger: Logger) throws {
        socket = try ZMQSocket(context: context, type: ZMQ_REP)
        try socket.bind(Self.endpoint)
        self.allowListFile = allowListFile
        self.ownPublicKey = ownPublicKey
        self.extraKeys = extraKeys
        self.logger = logger
        reloadIfChanged()
    }

    private func reloadIfChanged() {
        let attributes = try? FileManager.default.attributesOfItem(atPath: allowListFile)
        let stamp = attributes?[.modificationDate] as? Date
        guard let stamp else {
            if !warnedMissing {
                warnedMissing = true
                logger.warning("CURVE allow-list file is missing: only this node's own key is accepted",
                               metadata: ["file": "\(allowListFile)"])
            }
            fileKeys = []
            fileStamp = nil
            return
        }
        guard stamp != fileStamp else { return }
        fileStamp = stamp
        warnedMissing = false
        let text = (try? String(contentsOfFile: allowListFile, encoding: .utf8)) ?? ""
        fileKeys = Set(CurveKeyFiles.keys(in: text))
        logger.info("loaded CURVE allow-list", metadata: ["file": "\(allowListFile)", "keys": "\(fileKeys.count)"])
    }

    /// Answers every waiting ZAP request.
    func serve() {
        while let frames = socket.receive() {
            guard frames.count >= 6 else {
                logger.warning("ignoring malformed ZAP request", metadata: ["frames": "\(frames.count)"])
                _ = socket.send([Data("1.0".utf8), frames.count > 1 ? frames[1] : Data(), Data("500".utf8),
                                 Data("malformed request".utf8), Data(), Data()])
                continue
            }
            let requestID = frames[1]
            let address = String(decoding: frames[3], as: UTF8.self)
            let mechanism = String(decoding: frames[5], as: UTF8.self)
            var status = "400", text = "client key not allowed", user = ""
            if mechanism == "CURVE", frames.count >= 7, frames[6].count == 32 {
                let key = Self.z85(frames[6])
                reloadIfChanged()
                if key == ownPublicKey || fileKeys.contains(key) || extraKeys().contains(key) {
                    status = "200"
                    text = "OK"
                    user = key
                } else {
                    logger.warning("refused a CURVE client whose key is not in the allow-list",
                                   metadata: ["client_key": "\(key)", "address": "\(address)",
                                              "allow_list": "\(allowListFile)"])
                }
            } else {
                text = "mechanism \(mechanism) not accepted"
                logger.warning("refused a ZeroMQ client", metadata: ["mechanism": "\(mechanism)", "address": "\(address)"])
            }
            _ = socket.send([Data("1.0".utf8), requestID, Data(status.utf8), Data(text.utf8), Data(user.utf8), Data()])
        }
    }

    static func z85(_ key: Data) -> String {
        var out = [CChar](repeating: 0, count: 41)
        let bytes = [UInt8](key)
        _ = bytes.withUnsafeBufferPointer { zmq_z85_encode(&out, $0.baseAddress, 32) }
        return CurveKeyPair.string(out)
    }
}
