import Glibc
import Testing
import VHRCore
import VHRSystem

@Suite struct ALSACaptureDevicesTests {
    /// The cards the kernel shows in /dev/snd (`controlC0`, `controlC1`, …); none on a machine
    /// without sound hardware, such as the build container.
    static var controlNodes: [Int] {
        ((try? Directories.listDirectory(path: "/dev/snd")) ?? [])
            .filter { $0.hasPrefix("controlC") }.compactMap { Int($0.dropFirst("controlC".count)) }.sorted()
    }

    @Test func listsExactlyTheCardsInDevSnd() throws {
        let cards = try ALSACaptureDevices.list()
        // Without sound cards (this container) that is [], and no error.
        #expect(cards.map(\.index) == Self.controlNodes)
        for card in cards {
            #expect(!card.id.isEmpty)
            #expect(card.hardwareItem.location == "hw:\(card.index)")
        }
    }

    @Test func usbIDsComeFromTheUSBDeviceAboveTheCard() throws {
        // A sysfs shaped like the kernel's: card1's device is a USB interface whose parent
        // directory is the USB device with idVendor and idProduct; card0 is on PCI.
        let sysfs = TemporaryDirectory()
        defer { sysfs.remove() }
        let usbDevice = sysfs.file("devices/pci0000:00/0000:00:14.0/usb1/1-3")
        let pciDevice = sysfs.file("devices/pci0000:00/0000:00:1f.3")
        try Directories.ensureDirectory(path: usbDevice + "/1-3:1.0/sound/card1")
        try Directories.ensureDirectory(path: pciDevice + "/sound/card0")
        try Directories.ensureDirectory(path: sysfs.file("class/sound"))
        try write("0d8c\n", to: usbDevice + "/idVendor")
        try write("0014\n", to: usbDevice + "/idProduct")
        try symlink(usbDevice + "/1-3:1.0/sound/card1", sysfs.file("class/sound/card1"))
        try symlink(usbDevice + "/1-3:1.0", usbDevice + "/1-3:1.0/sound/card1/device")
        try symlink(pciDevice + "/sound/card0", sysfs.file("class/sound/card0"))
        try symlink(pciDevice, pciDevice + "/sound/card0/device")

        let ids = try #require(ALSACaptureDevices.usbIDs(ofCard: 1, sysfsRoot: sysfs.path))
        #expect(ids.vendor == 0x0d8c && ids.product == 0x0014)
        #expect(ALSACaptureDevices.usbIDs(ofCard: 0, sysfsRoot: sysfs.path) == nil, "a PCI card has no USB ids")
        #expect(ALSACaptureDevices.usbIDs(ofCard: 7, sysfsRoot: sysfs.path) == nil, "no such card")
        try write("zz\n", to: usbDevice + "/idProduct")
        #expect(ALSACaptureDevices.usbIDs(ofCard: 1, sysfsRoot: sysfs.path) == nil, "a garbled id is no id")
    }

    @Test func cardBecomesAnALSAItemNamedByItsID() {
        let capture = ALSACardDescription(
            index: 1, id: "Steth", name: "USB Audio Device",
            longName: "C-Media USB Audio Device at usb-0000:00:14.0-3, full speed", captureDevices: [0],
            usbVendorID: 0x0d8c, usbProductID: 0x0014)
        #expect(capture.hasCapture)
        #expect(
            capture.hardwareItem
                == HardwareItem(
                    kind: .alsa, location: "hw:1", vendorID: 0x0d8c, productID: 0x0014, name: "Steth",
                    note: "C-Media USB Audio Device at usb-0000:00:14.0-3, full speed"))
        let playback = ALSACardDescription(index: 0, id: "PCH", name: "HDA", longName: "HDA Intel", captureDevices: [])
        #expect(!playback.hasCapture)
        #expect(playback.hardwareItem.note == "HDA Intel; no capture device")
        #expect(playback.hardwareItem.vendorID == nil)
    }

    private func write(_ text: String, to path: String) throws {
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate])
        defer { fd.closeIgnoringErrors() }
        try fd.writeAll(Array(text.utf8))
    }

    private func symlink(_ target: String, _ link: String) throws {
        guard Glibc.symlink(target, link) == 0 else { throw Errno(rawValue: Glibc.errno) }
    }
}
