/// One entry of a transaction Bundle: a resource created only if no resource with its
/// identifier exists yet (a conditional create).
public struct FHIRBundleEntry: Sendable, Equatable {
    /// The entry's `urn:uuid:` placeholder, which other entries use to refer to it.
    public let fullUrl: String
    public let resourceType: String
    /// The identifier the conditional create matches on.
    public let identifier: FHIRIdentifier
    public let resource: JSONValue

    public init(fullUrl: String, resourceType: String, identifier: FHIRIdentifier, resource: JSONValue) {
        self.fullUrl = fullUrl
        self.resourceType = resourceType
        self.identifier = identifier
        self.resource = resource
    }

    /// `request`: POST to the type with `ifNoneExist` on the identifier, so a replay answers
    /// 200 with the existing resource instead of creating a copy.
    public var json: JSONValue {
        [
            "fullUrl": .string(fullUrl),
            "resource": resource,
            "request": [
                "method": "POST", "url": .string(resourceType), "ifNoneExist": .string(identifier.ifNoneExist),
            ],
        ]
    }
}
