/// One benchmark configuration: what runs, in which shape. The JSON keys (`impl`, `type`,
/// `block`, `readers`) are the stable names other tools compare runs by.
struct Configuration: Hashable, Sendable, CustomStringConvertible {
    enum Implementation: String, Sendable, CaseIterable {
        /// This project: `SPSCRing` (type spsc), `SampleRing` (fanout), vhrd (e2e).
        case vhr
        /// `SPSCRing` per sample with batched publishing: `pushUnpublished` per sample and
        /// `publish()` every 32 samples (one cache line of Int16). Not the per-sample target's row:
        /// a sample can wait up to 31 more pushes before the consumer sees it.
        case vhrPublish32 = "vhr-publish32"
        /// `SampleRing` fan-out with every reader's cursor served by one thread, as vhrd's stream
        /// server does (type fanout only).
        case vhrServed = "vhr-served"
        case boost
        case jack
        case spa
        case memcpy
        case crosscore
    }

    enum Kind: String, Sendable {
        case spsc
        case fanout
        case limit
        case e2e
    }

    var implementation: Implementation
    var kind: Kind
    /// Samples per push/pop; 1 for the per-element API.
    var block: Int
    /// Readers (1 for a single-consumer ring).
    var readers: Int = 1

    var description: String {
        switch kind {
        case .fanout: "\(kind.rawValue) b\(block) r\(readers)"
        case .e2e: "\(kind.rawValue) \(readers) clients"
        default: "\(kind.rawValue) b\(block)"
        }
    }

    /// The boost row with the same block, which the ratios are taken against.
    var boostPeer: Configuration { Configuration(implementation: .boost, kind: .spsc, block: block) }
    var memcpyLimit: Configuration { Configuration(implementation: .memcpy, kind: .limit, block: block) }
    var crossCoreLimit: Configuration { Configuration(implementation: .crosscore, kind: .limit, block: block) }
}
