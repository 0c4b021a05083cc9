import NimbusKernel

/// The kernel's view of an addressed transport, so daemons can wire discovery without importing this plugin.
extension ZeroMQTransport: AddressedTransport {
    public func setPeerResolver(_ resolver: (@Sendable (TransportTarget) -> [PeerAddress])?) {
        guard let resolver else {
            setResolver(nil)
            return
        }
        let adapted: @Sendable (TransportTarget) -> [ZeroMQPeer] = { target in
            resolver(target).map { ZeroMQPeer(endpoint: $0.endpoint, publicKey: $0.publicKey) }
        }
        setResolver(adapted)
    }
}

extension ZeroMQTransport {
    /// `nimbus manage zmq keygen`: writes this node's CURVE keypair where the config says the transport reads it.
    public static var adminCommands: [TransportAdminCommand] {
        [TransportAdminCommand(name: "keygen", help: "Generate this node's CURVE keypair under state_path.") { config in
            let paths = try CurveKeyFiles.paths(config: config)
            let pair = try CurveKeyFiles.generate(secretKeyFile: paths.secretKeyFile, publicKeyFile: paths.publicKeyFile)
            return """
                secret key: \(paths.secretKeyFile) (mode 0600)
                public key: \(paths.publicKeyFile)
                \(pair.publicKey)
                Add the public key to the controller's [zmq] curve_allowed_clients_file; give compute nodes the
                controller's public key as their [zmq] curve_server_public_key_file.
                """
        }]
    }
}
