import VHRCore
import VHRDevices

/// Fault injection on the room's simulated cuffs, for technicians and tests
/// (`simulate.fault` on the control socket).
public final class SimulationControl: Sendable {
    private let cuffs: [String: SimulatedCuff]

    public init(cuffs: [String: SimulatedCuff]) {
        self.cuffs = cuffs
    }

    func inject(device: String, fault name: String) async throws -> JSONValue {
        guard let cuff = cuffs[device] else {
            throw RemoteError(
                code: "not_found", message: "no simulated cuff named '\(device)'",
                hint: "simulated cuffs: " + cuffs.keys.sorted().joined(separator: ", "))
        }
        let fault: CuffSimulation.Fault?
        if name == "none" {
            fault = nil
        } else if let named = CuffSimulation.Fault(rawValue: name) {
            fault = named
        } else {
            throw RemoteError(
                code: "bad_request", message: "no fault '\(name)'",
                hint: "faults: none, " + CuffSimulation.Fault.allCases.map(\.rawValue).joined(separator: ", "))
        }
        cuff.inject(fault: fault)
        return ["device": .string(device), "fault": .string(name)]
    }
}
