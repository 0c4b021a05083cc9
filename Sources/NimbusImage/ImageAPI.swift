import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import Logging
import NimbusKernel
import NimbusStore

/// Settings of the built-in image service (`[image]`, named as glance-api.conf names them).
public struct ImageConfig: Sendable {
    /// Image data lives here, one file per image id.
    public var dataDirectory: String
    public var sizeCap: Int
    public var limitDefault: Int
    public var limitMax: Int
    /// Glance's `image_property_quota` and `image_tag_quota` (both 128 by default).
    public var propertyQuota: Int
    public var tagQuota: Int

    public init(dataDirectory: String, sizeCap: Int = 1 << 40, limitDefault: Int = 25, limitMax: Int = 1000,
                propertyQuota: Int = 128, tagQuota: Int = 128) {
        self.dataDirectory = dataDirectory
        self.sizeCap = sizeCap
        self.limitDefault = limitDefault
        self.limitMax = limitMax
        self.propertyQuota = propertyQuota
        self.tagQuota = tagQuota
    }

    public init(config: NimbusConfig, statePath: String) throws {
        self.init(dataDirectory: (statePath as NSString).appendingPathComponent("images"),
                  sizeCap: try ImageOptions.imageSizeCap.read(config),
                  limitDefault: max(1, try ImageOptions.limitParamDefault.read(config)),
                  limitMax: max(1, try ImageOptions.apiLimitMax.read(config)))
    }
}

/// The Image v2 HTTP API (a Glance subset): images with data, tags, properties and JSON patch.
public struct ImageAPI: Sendable {
    let store: NimbusStore
    let validator: any TokenValidator
    public let config: ImageConfig
    let authURI: String?
    let logger: Logger

    /// `authURI` is the identity URL advertised in `WWW-Authenticate` on 401s.
    public init(store: NimbusStore, validator: any TokenValidator, config: ImageConfig, authURI: String? = nil,
                logger: Logger) throws {
        self.store = store
        self.validator = validator
        self.config = config
        self.authURI = authURI
        self.logger = logger
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ImageMiddleware(logger: logger))
        router.get("/") { req, _ in json(.multipleChoices, Self.versions(req)) }
        router.get("/versions") { req, _ in json(.ok, Self.versions(req)) }
        addImageRoutes(router)
        addDataRoutes(router)
        addActionRoutes(router)
        return router
    }

    /// Glance's version list; we implement the v2 core, so we stop at 2.5 (2.6 added interoperable import).
    static func versions(_ req: Request) -> JSON {
        let href = JSON.string("http://\(req.head.authority ?? "127.0.0.1")/v2/")
        return ["versions": .array((0...5).reversed().map { minor in
            ["id": .string("v2.\(minor)"), "status": minor == 5 ? "CURRENT" : "SUPPORTED",
             "links": [["rel": "self", "href": href]]]
        })]
    }

    // MARK: auth and access

    /// The caller, from `X-Auth-Token`; 401 when missing or invalid.
    func caller(_ req: Request) async throws -> AuthContext {
        guard let token = req.headers[HTTPField.Name("X-Auth-Token")!], !token.isEmpty else {
            throw GlanceError(.unauthorized, "This server could not verify that you are authorized to access the "
                              + "document you requested.", authURI: authURI)
        }
        do { return try await validator.validate(token: token) } catch is TokenError {
            throw GlanceError(.unauthorized, "Authentication required", authURI: authURI)
        }
    }

    /// Images the caller may see (Glance's `get_image`): admins all; readers public and community ones and
    /// their project's.
    static func visible(_ i: ImageRecord, to c: AuthContext) -> Bool {
        c.isAdmin || (c.isReader && (i.visibility == "public" || i.visibility == "community" || i.owner == c.projectID))
    }

    /// The image named in the path, if the caller may see it (404 otherwise, as for a missing one).
    func image(_ ctx: BasicRequestContext, for caller: AuthContext) async throws -> ImageRecord {
        let id = ctx.parameters.get("id") ?? ""
        guard UUID(uuidString: id) != nil, let i = try await store.image(id: id), Self.visible(i, to: caller) else {
            throw GlanceError.notFound(id)
        }
        return i
    }

    static func body(_ req: Request) async throws -> JSON {
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: 65_536) } catch {
            throw GlanceError(.contentTooLarge, "Request body is larger than 65536 bytes.")
        }
        guard buffer.readableBytes > 0 else { throw GlanceError.badRequest("The request body is empty.") }
        let decoded: JSON
        do { decoded = try JSON.decode(Data(buffer.readableBytesView)) } catch {
            throw GlanceError.badRequest("Malformed JSON in request body.")
        }
        return try ImageInputGuard.check(decoded)
    }

    /// Glance's quotas on additional properties and tags: 413 naming the attempted count.
    func checkQuotas(_ i: ImageRecord) throws {
        if i.properties.count > config.propertyQuota {
            throw GlanceError(.contentTooLarge, "The limit has been exceeded on the number of allowed image properties. "
                              + "Attempted: \(i.properties.count), Maximum: \(config.propertyQuota)")
        }
        if i.tags.count > config.tagQuota {
            throw GlanceError(.contentTooLarge, "The limit has been exceeded on the number of allowed image tags. "
                              + "Attempted: \(i.tags.count), Maximum: \(config.tagQuota)")
        }
    }
}
