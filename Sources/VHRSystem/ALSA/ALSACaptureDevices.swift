import CALSA
import Glibc

/// Lists the machine's ALSA sound cards and which of them can capture, through the control
/// interface (`/dev/snd/controlCN`); no PCM is opened, so a card in use is listed too.
public enum ALSACaptureDevices {
    /// Every sound card present now, by card number. A machine without sound cards (no
    /// `/dev/snd`) gives an empty list, not an error.
    ///
    /// - Parameter sysfsRoot: Where sysfs is mounted; tests point it elsewhere.
    /// - Throws: `ALSAError` when a card is present but cannot be read, most often
    ///   `-EACCES` when the vhr user is not in group audio.
    ///
    /// The corresponding C function is `snd_card_next`.
    public static func list(sysfsRoot: String = "/sys") throws(ALSAError) -> [ALSACardDescription] {
        var cards: [ALSACardDescription] = []
        var index: CInt = -1
        while true {
            let result = snd_card_next(&index)
            guard result >= 0 else { throw ALSAError(code: result, operation: "snd_card_next") }
            guard index >= 0 else { return cards }
            var card = try describe(card: Int(index))
            if let ids = usbIDs(ofCard: card.index, sysfsRoot: sysfsRoot) {
                card.usbVendorID = ids.vendor
                card.usbProductID = ids.product
            }
            cards.append(card)
        }
    }

    /// The USB vendor and product id of the device card `card` belongs to, read from
    /// `/sys/class/sound/cardN/device/../idVendor` and `idProduct` (the card's device is a USB
    /// interface, whose parent is the USB device); `nil` for a card that is not on USB.
    public static func usbIDs(ofCard card: Int, sysfsRoot: String = "/sys") -> (vendor: UInt16, product: UInt16)? {
        let device = "\(sysfsRoot)/class/sound/card\(card)/device/.."
        guard let vendor = hexAttribute(device + "/idVendor"), let product = hexAttribute(device + "/idProduct")
        else { return nil }
        return (vendor, product)
    }

    /// A sysfs attribute holding 4 hex digits and a newline, like `idVendor`.
    private static func hexAttribute(_ path: String) -> UInt16? {
        guard let bytes = try? Directories.readFile(path: path) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        return text.count == 4 ? UInt16(text, radix: 16) : nil
    }

    /// Reads one card's names and capture devices through its control interface.
    ///
    /// The corresponding C functions are `snd_ctl_open`, `snd_ctl_card_info`,
    /// `snd_ctl_pcm_next_device`, `snd_ctl_pcm_info` and `snd_ctl_close`.
    private static func describe(card index: Int) throws(ALSAError) -> ALSACardDescription {
        let name = "hw:\(index)"
        var control: OpaquePointer?
        let opened = snd_ctl_open(&control, name, 0)
        guard opened >= 0, let control else { throw ALSAError(code: opened, operation: "snd_ctl_open", card: name) }
        defer { snd_ctl_close(control) }

        var info: OpaquePointer?
        guard snd_ctl_card_info_malloc(&info) >= 0, let info else {
            throw ALSAError(code: -ENOMEM, operation: "snd_ctl_card_info_malloc", card: name)
        }
        defer { snd_ctl_card_info_free(info) }
        let read = snd_ctl_card_info(control, info)
        guard read >= 0 else { throw ALSAError(code: read, operation: "snd_ctl_card_info", card: name) }

        var pcmInfo: OpaquePointer?
        guard snd_pcm_info_malloc(&pcmInfo) >= 0, let pcmInfo else {
            throw ALSAError(code: -ENOMEM, operation: "snd_pcm_info_malloc", card: name)
        }
        defer { snd_pcm_info_free(pcmInfo) }
        var captureDevices: [Int] = []
        var device: CInt = -1
        while true {
            let next = snd_ctl_pcm_next_device(control, &device)
            guard next >= 0 else { throw ALSAError(code: next, operation: "snd_ctl_pcm_next_device", card: name) }
            guard device >= 0 else { break }
            snd_pcm_info_set_device(pcmInfo, UInt32(device))
            snd_pcm_info_set_subdevice(pcmInfo, 0)
            snd_pcm_info_set_stream(pcmInfo, SND_PCM_STREAM_CAPTURE)
            // -ENOENT: the device has no capture stream (a playback-only PCM).
            let probed = snd_ctl_pcm_info(control, pcmInfo)
            if probed >= 0 {
                captureDevices.append(Int(device))
            } else if probed != -ENOENT {
                throw ALSAError(code: probed, operation: "snd_ctl_pcm_info", card: "\(name),\(device)")
            }
        }
        return ALSACardDescription(
            index: index, id: String(cString: snd_ctl_card_info_get_id(info)),
            name: String(cString: snd_ctl_card_info_get_name(info)),
            longName: String(cString: snd_ctl_card_info_get_longname(info)), captureDevices: captureDevices)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines (Foundation-free).
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
