import CALSA
import Foundation
import Glibc
import Testing
import VHRSystem

@Suite struct ALSAErrorTests {
    /// The codes alsa-lib returns that vhr tells apart, with the kind it gives them.
    static let table: [(code: Int32, kind: ALSAError.Kind)] = [
        (-EACCES, .permission), (-EPERM, .permission),
        (-ENOENT, .noDevice), (-ENODEV, .noDevice), (-ENXIO, .noDevice),
        (-EBUSY, .busy),
        (-EPIPE, .xrun),
        (-ESTRPIPE, .suspended),
        (-EAGAIN, .wouldBlock),
        (-ENOMEM, .outOfMemory),
        (-500_000, .incompatibleVersion),
        (-EINVAL, .other), (-EIO, .other), (-500_001, .other), (0, .other),
    ]

    @Test func everyCodeMapsToItsKindAndALSAsText() {
        for row in Self.table {
            let error = ALSAError(code: row.code, operation: "snd_ctl_open", card: "hw:0")
            #expect(error.kind == row.kind, "code \(row.code)")
            #expect(ALSAError.Kind(code: row.code) == row.kind)
            #expect(error.message == String(cString: snd_strerror(row.code)))
        }
        #expect(Set(Self.table.map(\.kind)) == Set(ALSAError.Kind.allCases), "every kind is reachable")
        // Negated errno values read as the system's text; ALSA's own codes as alsa-lib's.
        #expect(ALSAError(code: -EACCES, operation: "x").message == String(cString: strerror(EACCES)))
        #expect(ALSAError(code: -500_000, operation: "x").message.contains("compatible"))
    }

    @Test func hintsSayWhatToDo() {
        let denied = ALSAError(code: -EACCES, operation: "snd_ctl_open", card: "hw:1")
        #expect(denied.hint == "add the vhr user to group audio, which owns /dev/snd")
        #expect(
            denied.description
                == "alsa snd_ctl_open hw:1: \(String(cString: strerror(EACCES))) (code \(-EACCES)); " + denied.hint!)
        #expect(ALSAError(code: -EBUSY, operation: "snd_pcm_open").hint?.contains("PipeWire") == true)
        #expect(ALSAError(code: -ENODEV, operation: "snd_ctl_open").hint?.contains("plug") == true)
        #expect(ALSAError(code: -EINVAL, operation: "snd_card_next").hint == nil)
    }

    @Test func roundTripsThroughJSON() throws {
        let error = ALSAError(code: -EBUSY, operation: "snd_ctl_open", card: "hw:2")
        #expect(try JSONDecoder().decode(ALSAError.self, from: JSONEncoder().encode(error)) == error)
    }
}
