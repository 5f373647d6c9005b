import Synchronization
import VHRCore
import VHRSystem

/// One client of the control socket, as the handler sees it.
// @unchecked Sendable: `framer` and `consecutiveErrors` are touched only on the control
// server's queue; the subscription token is behind a mutex because the handler's tasks set it.
public final class ControlSession: @unchecked Sendable {
    public let client: String
    public let peer: PeerCredentials
    public let roles: Set<Role>
    /// Queues one line (without its newline) for this client; callable from anywhere.
    let deliver: @Sendable (String) -> Void
    var framer = LineFramer()
    var consecutiveErrors = 0
    let subscription = Mutex<Int?>(nil)

    init(client: String, peer: PeerCredentials, roles: Set<Role>, deliver: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.peer = peer
        self.roles = roles
        self.deliver = deliver
    }
}
