import Synchronization
import VHRCore
import VHRSystem

/// Refuses new measurements while the state directory's disk is nearly full, so the stored
/// ones are never at risk: nothing is ever evicted to make room.
///
/// The check runs before a measurement starts and again before a reading is saved. The first
/// refusal raises one alarm (log and `alarm` event); the all-clear is logged when space returns.
public final class StorageGuard: Sendable {
    private let path: String
    private let minimumBytes: UInt64
    private let probe: @Sendable (String) throws -> UInt64
    private let events: EventHub
    private let logger: Logger
    /// Whether the alarm is raised, so it is raised once per episode, not once per refusal.
    private let alarmed = Mutex(false)

    /// - Parameters:
    ///   - path: The state directory.
    ///   - minimumMegabytes: `[room] min-free-space`.
    ///   - probe: Reads the free bytes; `Directories.availableBytes` unless a test injects one.
    public init(
        path: String, minimumMegabytes: Int, events: EventHub, logger: Logger,
        probe: @escaping @Sendable (String) throws -> UInt64 = { path in try Directories.availableBytes(path: path) }
    ) {
        self.path = path
        self.minimumBytes = UInt64(max(minimumMegabytes, 0)) << 20
        self.probe = probe
        self.events = events
        self.logger = logger
    }

    /// `nil` when a measurement may be stored, else the refusal to give the kiosk.
    ///
    /// - Parameter atSave: a reading the patient has already taken is refused only below half the
    ///   reserve: one row is about a kilobyte, and losing a reading already taken is worse than
    ///   eating into the reserve that protects the stored ones. New measurements are refused at
    ///   the full reserve.
    public func refusal(atSave: Bool = false) -> RemoteError? {
        let free: UInt64
        do {
            free = try probe(path)
        } catch {
            // Unknown space is not "full": the save itself still reports a real failure.
            logger.warning("cannot read the free space of the state directory", ["error": "\(error)"])
            return nil
        }
        let full = free < (atSave ? minimumBytes / 2 : minimumBytes)
        // One swap, so two concurrent checks cannot both raise (or both clear) the alarm.
        let wasAlarmed = alarmed.withLock { alarmed in
            defer { alarmed = full }
            return alarmed
        }
        guard full else {
            if wasAlarmed {
                logger.notice("disk space recovered; measurements are accepted again", ["free_mib": "\(free >> 20)"])
                events.publish(ControlEvent(name: "alarm.cleared", fields: ["kind": "disk_full"]), class: .room)
            }
            return nil
        }
        let refusal = Self.refusal(free: free, minimumBytes: minimumBytes, path: path)
        if !wasAlarmed {
            logger.error("disk nearly full: refusing new measurements", ["free_mib": "\(free >> 20)", "path": path])
            events.publish(
                ControlEvent(
                    name: "alarm",
                    fields: ["kind": "disk_full", "message": .string(refusal.message + "; " + (refusal.hint ?? ""))]),
                class: .room)
        }
        return refusal
    }

    /// Whether the alarm is up, for the status view.
    public var isRefusing: Bool { alarmed.withLock { $0 } }

    private static func refusal(free: UInt64, minimumBytes: UInt64, path: String) -> RemoteError {
        RemoteError(
            code: "disk_full",
            message: "only \(free >> 20) MiB free for \(path), below the \(minimumBytes >> 20) MiB kept in reserve;"
                + " new measurements are refused and every stored one is kept",
            hint: "a technician must free space on that disk (vhrctl queue shows what still waits for upload)")
    }
}
