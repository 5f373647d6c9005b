/// What a client of the daemon's sockets may do. A client's roles come from the room's
/// `[access]` configuration, matched on the peer credentials of its connection.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// The room's own touch-screen UI: starts and ends visits, starts measurements.
    case kiosk
    /// The clinician's session bridge: listens, follows live readings, starts measurements.
    case clinician
    /// A visiting technician: status, devices and diagnostics; listens only between visits.
    case technician

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
