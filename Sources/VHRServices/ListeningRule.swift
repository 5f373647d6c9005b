import VHRCore

/// Who may listen to the stethoscope, on the stream socket and on the tap alike.
///
/// Listening is for the clinician. A technician may listen between visits, to check the
/// stethoscope, but never to a patient: a technician already listening when a visit starts is
/// disconnected, so the rule is checked on every pump, not only at connection.
enum ListeningRule {
    /// Why a client with `roles` may not listen now, or `nil` if it may.
    static func refusal(for roles: Set<Role>, visitActive: Bool) -> RemoteError? {
        if roles.isEmpty {
            return RemoteError(
                code: "no_role", message: "this user has no role in this room",
                hint: "a technician adds this user or one of its groups to [access] in /etc/vhr/vhrd.conf")
        }
        if roles.contains(.clinician) { return nil }
        if roles.contains(.technician) {
            return visitActive
                ? RemoteError(
                    code: "forbidden", message: "a visit is in progress: listening is for the clinician",
                    hint: "listen again after the visit ends")
                : nil
        }
        return RemoteError(code: "forbidden", message: "listening needs the clinician or technician role", hint: nil)
    }
}
