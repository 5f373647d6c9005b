import CALSA
import Glibc

/// A failed alsa-lib call: the code, ALSA's text for it, what vhr was doing, and a hint.
public struct ALSAError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The negative code alsa-lib returned: a negated `errno`, or an ALSA code from
    /// `-SND_ERROR_BEGIN` down.
    public var code: Int32
    /// ALSA's text for the code, e.g. "Permission denied".
    public var message: String
    /// What vhr was doing: "snd_card_next", "snd_ctl_open", ….
    public var operation: String
    /// The card involved, as ALSA names it ("hw:1").
    public var card: String?

    /// An error for `code`, with ALSA's text for it.
    ///
    /// The corresponding C function is `snd_strerror`.
    public init(code: Int32, operation: String, card: String? = nil) {
        self.code = code
        // snd_strerror returns a static string (glibc's strerror table for errno values).
        self.message = snd_strerror(code).map { String(cString: $0) } ?? "unknown ALSA error"
        self.operation = operation
        self.card = card
    }

    /// The classes of ALSA failure vhr tells apart.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `-EACCES`, `-EPERM`: no permission on `/dev/snd`.
        case permission
        /// `-ENOENT`, `-ENODEV`, `-ENXIO`: the card or device is not there.
        case noDevice
        /// `-EBUSY`: another program has the device open exclusively.
        case busy
        /// `-EPIPE`: a capture overrun (or playback underrun).
        case xrun
        /// `-ESTRPIPE`: the device is suspended.
        case suspended
        /// `-EAGAIN`: a non-blocking call would block.
        case wouldBlock
        /// `-ENOMEM`: out of memory.
        case outOfMemory
        /// `-SND_ERROR_INCOMPATIBLE_VERSION`: alsa-lib and the kernel driver do not speak the same protocol.
        case incompatibleVersion
        /// Anything else.
        case other

        /// The kind of a code alsa-lib returned.
        public init(code: Int32) {
            self =
                switch -code {
                case EACCES, EPERM: .permission
                case ENOENT, ENODEV, ENXIO: .noDevice
                case EBUSY: .busy
                case EPIPE: .xrun
                case ESTRPIPE: .suspended
                case EAGAIN: .wouldBlock
                case ENOMEM: .outOfMemory
                case SND_ERROR_BEGIN: .incompatibleVersion
                default: .other
                }
        }
    }

    /// The class of failure.
    public var kind: Kind { Kind(code: code) }

    /// What a technician should do, when there is something obvious.
    public var hint: String? {
        switch kind {
        case .permission: "add the vhr user to group audio, which owns /dev/snd"
        case .noDevice: "the sound card is gone; plug the stethoscope back in"
        case .busy: "another program (PipeWire, PulseAudio, arecord) holds the device; stop it"
        case .suspended: "the device is suspended; plug it back in"
        case .incompatibleVersion: "libasound2 does not match the kernel; update both"
        case .outOfMemory: "the system is out of memory"
        case .xrun, .wouldBlock, .other: nil
        }
    }

    public var description: String {
        var text = "alsa \(operation)"
        if let card { text += " \(card)" }
        text += ": \(message) (code \(code))"
        if let hint { text += "; \(hint)" }
        return text
    }
}
