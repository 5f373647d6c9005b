import Foundation
import Synchronization
import VHRCore
import VHRSystem

// One dedicated thread per cuff runs the whole driver, as for `PHDCuff`: it (re)opens the link,
// reads the monitor's memory, then waits in short `receive`s (which notice an unplug) until the
// next poll. What the driver remembers (readings already handled) lives on that thread; other
// threads only set flags in `shared` (stop, the visit's start).

/// An Omron HEM-7xxx home blood-pressure monitor on USB HID: the patient measures on the monitor
/// and the room reads the monitor's memory.
///
/// On connect the driver reads every stored reading and delivers, as `.completed`, those dated at
/// or after the visit's start; older ones are an earlier patient's and are only logged. It then
/// reads the memory again every `pollInterval` seconds, delivering each reading once.
public final class OmronCuff: BloodPressureCuff, PatientResettable {
    public let info: DeviceInfo
    public let settings: Settings
    /// The patient starts the measurement on the monitor; the room only reads its memory.
    public var canStartRemotely: Bool { false }

    private let zone: TimeZone
    private let makeLink: @Sendable () -> any CuffLink
    private let timing: Timing
    private let logger: Logger
    private let shared = Mutex(Shared())
    private let driver: DriverThread
    /// How long one `receive` may block, so `stop()` is noticed promptly.
    private let step: Duration = .milliseconds(100)

    private struct Shared {
        var visitStart: Date?
        /// Bumped with each new visit start, so the driver takes a fresh baseline of undated readings.
        var visit = 0
    }

    /// Creates the driver; nothing is opened until `start(events:)`.
    ///
    /// - Parameters:
    ///   - info: How the room knows the device.
    ///   - settings: The profile's parameters; `model` picks the protocol.
    ///   - link: Makes the link to open, called again after each disconnect (a `USBInterruptLink`).
    ///   - timing: The clocks; tests inject their own.
    ///   - logger: Where problems and what the monitor held are logged.
    /// - Throws: `DeviceError` `.invalidData` for a bad setting.
    public init(
        info: DeviceInfo, settings: Settings = Settings(), link: @escaping @Sendable () -> any CuffLink,
        timing: Timing = .system, logger: Logger = .discarding()
    ) throws(DeviceError) {
        self.info = info
        self.driver = DriverThread(name: "omron-\(info.id)")
        self.settings = settings
        self.zone = try settings.validated()
        self.makeLink = link
        self.timing = timing
        self.logger = logger.with(["device": info.id])
    }

    /// Readings dated before `date` are an earlier patient's and are not delivered; nil delivers all.
    public func setVisitStart(_ date: Date?) {
        shared.withLock {
            $0.visitStart = date
            $0.visit += 1
        }
    }

    /// The room calls this when a visit ends: whatever the monitor stored until now is not the next
    /// patient's.
    public func resetPatient() {
        setVisitStart(timing.wallClock())
    }

    // MARK: - BloodPressureCuff

    /// Starts the driver thread; `.connected` follows once the link opens (when the monitor is plugged in).
    ///
    /// - Throws: `.busy` when already started, `.internalError` when no thread can be created.
    public func start(events handler: @escaping @Sendable (CuffEvent) -> Void) async throws(DeviceError) {
        try driver.start(device: info.id) { [self] in run(handler) }
    }

    /// An Omron monitor cannot be started remotely.
    ///
    /// - Throws: always `.notSupported`, with what the patient should do.
    public func startMeasurement() async throws(DeviceError) {
        throw DeviceError(
            .notSupported, "The cuff '\(info.id)' measures when its own START button is pressed",
            hint: "ask the patient to press START on the monitor; the reading is collected from its memory")
    }

    /// Nothing to abort: the monitor runs its own measurement.
    public func abortMeasurement() async {}

    /// Closes the link and joins the driver thread; no event is delivered after it returns.
    public func stop() async {
        await driver.stop()
    }

    // MARK: - Driver thread

    /// Why a read of the memory ended early.
    private enum ReadFailure: Error {
        /// The link went away (`.disconnected`) or failed.
        case lost(DeviceError)
        /// The monitor did not answer, or kept answering wrongly; the text says which.
        case failed(String)
        case stopping
    }

    /// One stored reading as the monitor holds it.
    private struct Stored {
        /// The record's bytes: the same reading read twice has the same key.
        var key: [UInt8]
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
        var systolic: Int, diastolic: Int, pulse: Int

        var text: String {
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(systolic)/\(diastolic) mmHg pulse \(pulse) at \(year)-\(two(month))-\(two(day)) "
                + "\(two(hour)):\(two(minute)):\(two(second)) (monitor clock)"
        }
    }

    /// What the driver thread remembers across reads and reconnections.
    private struct Memory {
        /// Keys of readings delivered or set aside as an earlier patient's, oldest first.
        var handled: [[UInt8]] = []
        var handledSet: Set<[UInt8]> = []
        /// The visit whose first complete read has been taken (see `consider`).
        var baselineVisit: Int?

        mutating func remember(_ key: [UInt8]) {
            guard handledSet.insert(key).inserted else { return }
            handled.append(key)
            // Two users of 100 records each, with room to spare.
            if handled.count > 1024 { handledSet.remove(handled.removeFirst()) }
        }
    }

    private var stopping: Bool { driver.isStopping }

    private func run(_ handler: @escaping @Sendable (CuffEvent) -> Void) {
        var memory = Memory()
        var reportedMissing = false
        while !stopping {
            let link = makeLink()
            do {
                try link.open()
            } catch {
                if error.code != .notFound {
                    logger.warning("cannot open the cuff", ["link": link.endpointDescription, "error": "\(error)"])
                } else if !reportedMissing {
                    logger.notice("cuff not present; waiting for it", ["link": link.endpointDescription])
                }
                reportedMissing = error.code == .notFound
                pause(.seconds(settings.reconnectDelay))
                continue
            }
            reportedMissing = false
            logger.info("cuff link open", ["link": link.endpointDescription, "model": settings.model.rawValue])
            handler(.connected)
            serve(link, &memory, handler)
            link.close()
        }
    }

    /// Reads the memory now and every poll interval until the link is lost or `stop()`.
    private func serve(_ link: any CuffLink, _ memory: inout Memory, _ handler: @Sendable (CuffEvent) -> Void) {
        var failing = false
        var firstRead = true
        var nextRead = timing.now()
        while !stopping {
            if timing.now() >= nextRead {
                do {
                    let readings = try readMemory(link, &memory, firstRead: firstRead)
                    firstRead = false
                    failing = false
                    for reading in readings { handler(.completed(reading)) }
                } catch {
                    switch error {
                    case .stopping: return
                    case .lost(let cause):
                        logger.warning(
                            "cuff link lost while reading its memory",
                            ["link": link.endpointDescription, "error": "\(cause)"])
                        handler(.failed(.disconnected))
                        handler(.disconnected)
                        return
                    case .failed(let problem):
                        logger.warning(
                            "cannot read the monitor's memory: \(problem)", ["link": link.endpointDescription])
                        // Once per streak: the room hears that the monitor stopped answering, not every poll.
                        if !failing { handler(.failed(.timedOut)) }
                        failing = true
                    }
                }
                nextRead = timing.now() + .seconds(settings.pollInterval)
            }
            // Between reads a receive notices an unplug; a report nobody asked for is dropped.
            do {
                let stray = try link.receive(timeout: max(.milliseconds(1), min(step, nextRead - timing.now())))
                if !stray.isEmpty {
                    logger.debug("dropped a report nobody asked for", ["bytes": Hex.string(stray, separator: " ")])
                }
            } catch {
                logger.warning("cuff link lost", ["link": link.endpointDescription, "error": "\(error)"])
                handler(.disconnected)
                return
            }
        }
    }

    /// Reads the stored readings and returns this visit's new ones, oldest first.
    private func readMemory(_ link: any CuffLink, _ memory: inout Memory, firstRead: Bool) throws(ReadFailure)
        -> [BloodPressureReading]
    {
        let (cutoff, visit) = shared.withLock { ($0.visitStart, $0.visit) }
        var fresh: [(reading: BloodPressureReading, key: [UInt8])] = []
        var setAside: [[UInt8]] = []
        let arrival = timing.wallClock()
        let undatedAreOld = cutoff != nil && memory.baselineVisit != visit
        let handled = memory
        func consider(_ stored: Stored) -> Bool {
            self.consider(
                stored, memory: handled, cutoff: cutoff, undatedAreOld: undatedAreOld, arrival: arrival,
                fresh: &fresh, setAside: &setAside)
        }
        switch settings.model {
        case .hem790it: try read790IT(link, firstRead: firstRead, consider)
        case .hem7322u: try read7322U(link, consider)
        }
        for key in setAside { memory.remember(key) }
        for item in fresh { memory.remember(item.key) }
        memory.baselineVisit = visit
        return fresh.map(\.reading).sorted { $0.measuredAt < $1.measuredAt }
    }

    /// Sorts one stored reading into this visit's or an earlier patient's; false when the older
    /// ones need not be read (the HEM-790IT lists its memory newest first).
    private func consider(
        _ stored: Stored, memory: Memory, cutoff: Date?, undatedAreOld: Bool, arrival: Date,
        fresh: inout [(reading: BloodPressureReading, key: [UInt8])], setAside: inout [[UInt8]]
    ) -> Bool {
        guard !memory.handledSet.contains(stored.key), !fresh.contains(where: { $0.key == stored.key }) else {
            return false
        }
        let (date, problem) = dated(stored, arrival: arrival)
        if let problem {
            if undatedAreOld {
                // An untrusted date cannot be compared with the visit's start: what the monitor
                // held at the visit's first read is an earlier patient's; what appears later is new.
                logger.notice(
                    "stored reading \(stored.text) has an untrusted date (\(problem)) and was in memory "
                        + "when the visit started: an earlier patient's, not recorded")
                setAside.append(stored.key)
                return true
            }
            logger.warning("stored reading \(stored.text): \(problem); dated by its arrival; set the monitor's clock")
        } else if let cutoff, date < cutoff {
            logger.notice("stored reading \(stored.text) predates the visit: an earlier patient's, not recorded")
            setAside.append(stored.key)
            return false
        }
        // Omron monitors do not report a mean pressure: the usual estimate, DIA + (SYS − DIA) / 3.
        let mean = Int((Double(stored.diastolic) + Double(stored.systolic - stored.diastolic) / 3).rounded())
        let reading = BloodPressureReading(
            systolic: stored.systolic, diastolic: stored.diastolic, meanArterial: mean, pulse: stored.pulse,
            measuredAt: date, clock: problem == nil ? .device : .room)
        logger.info("stored reading \(stored.text) is this visit's")
        fresh.append((reading, stored.key))
        return true
    }

    /// The reading's date in the monitor's zone, or its arrival and why the monitor's clock was not used.
    private func dated(_ stored: Stored, arrival: Date) -> (Date, String?) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(
            year: stored.year, month: stored.month, day: stored.day, hour: stored.hour, minute: stored.minute,
            second: stored.second)
        // A time skipped by a daylight-saving change comes back on another hour or day.
        guard let date = calendar.date(from: components), calendar.component(.hour, from: date) == stored.hour,
            calendar.component(.day, from: date) == stored.day
        else {
            return (arrival, "the date does not exist in \(zone.identifier)")
        }
        // A monitor whose clock was never set (or lost its battery) counts from 2000.
        if stored.year < 2001 { return (arrival, "the monitor's clock was never set (year \(stored.year))") }
        if date.timeIntervalSince(arrival) > settings.maximumClockLead {
            return (
                arrival, "the monitor's clock is ahead of the room's by more than \(Int(settings.maximumClockLead)) s"
            )
        }
        return (date, nil)
    }

    // MARK: HEM-790IT

    /// libomron's modes, sent as a 2-byte feature report.
    private static let deviceInfoMode: [UInt8] = [0x11, 0x11]
    private static let dailyMode: [UInt8] = [0x74, 0xBC]

    private func read790IT(_ link: any CuffLink, firstRead: Bool, _ consider: (Stored) -> Bool) throws(ReadFailure) {
        let bank = UInt8(settings.bank)
        if firstRead {
            try setMode(Self.deviceInfoMode, on: link)
            if case .ok(_, let data) = try exchange(.version, on: link) {
                logger.info("monitor identifies as \"\(String(decoding: data.prefix(12), as: UTF8.self))\"")
            }
        }
        try setMode(Self.dailyMode, on: link)
        let countReply = try exchange(.readingCount(bank: bank), on: link)
        guard let count = countReply.readingCount else {
            throw .failed("the reading count reply is not 4 data bytes: \(countReply)")
        }
        logger.debug("the monitor holds \(count) readings in bank \(bank)")
        for index in 0..<count {
            guard !stopping else { throw .stopping }
            let reply = try exchange(.reading(bank: bank, index: UInt8(index)), on: link)
            guard let record = reply.record else { throw .failed("reading \(index) came without data") }
            let stored: OmronStoredReading
            do {
                stored = try OmronStoredReading(record: record)
            } catch {
                // Its checksum held: the monitor stores it so; skip it rather than ask again.
                logger.warning("stored reading \(index) of bank \(bank) is not a reading: \(error); skipped")
                continue
            }
            let item = Stored(
                key: record, year: stored.year, month: stored.month, day: stored.day, hour: stored.hour,
                minute: stored.minute, second: stored.second, systolic: stored.systolic,
                diastolic: stored.diastolic, pulse: stored.pulse)
            guard consider(item) else { break }
        }
    }

    /// Switches the monitor's mode and clears its input, when the link can send feature reports.
    private func setMode(_ mode: [UInt8], on link: any CuffLink) throws(ReadFailure) {
        guard let featureLink = link as? any HIDFeatureReportSending else { return }
        do {
            try featureLink.sendFeatureReport(mode, timeout: .seconds(1))
        } catch {
            throw .lost(error)
        }
        // libomron's "clear": zero reports until the monitor answers OK.
        let zeros = OmronHIDReport.reports(for: [UInt8](repeating: 0, count: 23))
        for _ in 0...settings.retries {
            try send(zeros, on: link)
            if let report = try receiveReport(link, within: .seconds(settings.replyTimeout)),
                report.count >= 3, report[1] == UInt8(ascii: "O"), report[2] == UInt8(ascii: "K")
            {
                try drain(link)
                return
            }
        }
        throw .failed("the monitor did not answer OK to the clearing reports after a mode change")
    }

    /// Sends a command and returns its "OK" reply, sending it again after "NO" or a bad reply.
    private func exchange(_ command: OmronCommand, on link: any CuffLink) throws(ReadFailure) -> OmronReply {
        var last = ""
        for attempt in 0...settings.retries {
            guard !stopping else { throw .stopping }
            if attempt > 0 { timing.sleep(.milliseconds(200)) }
            try send(command.reports, on: link)
            var assembler = OmronReplyAssembler(for: command)
            let deadline = timing.now() + .seconds(settings.replyTimeout)
            var reply: OmronReply?
            do {
                while reply == nil {
                    guard let report = try receiveReport(link, within: deadline - timing.now()) else {
                        throw ReadFailure.failed(
                            "the monitor did not answer \(command.description) within \(settings.replyTimeout) s")
                    }
                    reply = try assembler.append(report: report)
                }
            } catch let error as OmronError {
                last = "\(error)"
                logger.warning("bad reply to \(command.description): \(error)")
                try drain(link)
                continue
            } catch let failure as ReadFailure {
                throw failure
            } catch {
                throw .failed("\(error)")
            }
            switch reply {
            case .ok(let status, let data)?: return .ok(status: status, data: data)
            case .notReady?, nil:
                last = "it answered NO"
                logger.info("the monitor answered NO to \(command.description); asking again")
            case .off?: throw .failed("the monitor turned off")
            }
        }
        throw .failed("no valid answer to \(command.description) in \(settings.retries + 1) tries; last, \(last)")
    }

    // MARK: HEM-7322U

    private func read7322U(_ link: any CuffLink, _ consider: (Stored) -> Bool) throws(ReadFailure) {
        _ = try exchangeFrame(.begin, on: link)
        let length = OmronEEPROMRecord.length * settings.recordSlots
        let first = Int(OmronEEPROMCommand.firstRecordAddress) + (settings.user - 1) * length
        var block: [UInt8] = []
        do {
            while block.count < length {
                guard !stopping else { throw ReadFailure.stopping }
                let address = UInt16(first + block.count)
                let reply = try exchangeFrame(.read(address: address, length: UInt8(Self.readLength)), on: link)
                block += try Self.eepromData(reply)
            }
        } catch let failure as ReadFailure {
            // Tell the monitor the session ended badly, as obpm does; it may be gone already.
            try? send([OmronEEPROMCommand.fail.bytes], on: link)
            throw failure
        } catch {
            throw .failed("\(error)")
        }
        _ = try exchangeFrame(.end, on: link)
        for start in stride(from: 0, to: length, by: OmronEEPROMRecord.length) {
            let bytes = Array(block[start..<(start + OmronEEPROMRecord.length)])
            do {
                guard let record = try OmronEEPROMRecord.decode(bytes) else { continue }
                _ = consider(
                    Stored(
                        key: Array(bytes.prefix(8)), year: record.year, month: record.month, day: record.day,
                        hour: record.hour, minute: record.minute, second: 0, systolic: record.systolic,
                        diastolic: record.diastolic, pulse: record.pulse))
            } catch {
                logger.warning(
                    "EEPROM record at 0x\(String(first + start, radix: 16)) is not a reading: \(error); skipped")
            }
        }
    }

    /// Bytes of EEPROM one read asks for, as obpm reads them.
    private static let readLength = 40

    /// The EEPROM bytes of a read reply: byte 1 is the index of the frame's last byte, the XOR of
    /// bytes 1 up to it (as in the command frames); the data are bytes 7–46.
    private static func eepromData(_ reply: [UInt8]) throws(ReadFailure) -> [UInt8] {
        guard reply.count >= 7 + readLength + 1, Int(reply[1]) >= 7 + readLength, Int(reply[1]) < reply.count else {
            throw .failed(
                "an EEPROM reply of \(reply.count) bytes (length byte \(reply.count > 1 ? reply[1] : 0)) is cut short")
        }
        return Array(reply[7..<(7 + readLength)])
    }

    /// Sends a frame and returns the one report answering it, checked; asks again after a corrupt one.
    private func exchangeFrame(_ command: OmronEEPROMCommand, on link: any CuffLink) throws(ReadFailure) -> [UInt8] {
        var last = ""
        for attempt in 0...settings.retries {
            guard !stopping else { throw .stopping }
            if attempt > 0 { timing.sleep(.milliseconds(200)) }
            try send([command.bytes], on: link)
            guard let reply = try receiveReport(link, within: .seconds(settings.replyTimeout)) else {
                throw .failed("the monitor did not answer \"\(command.description)\" within \(settings.replyTimeout) s")
            }
            let end = reply.count > 1 ? Int(reply[1]) : 0
            guard end >= 2, end < reply.count else {
                last = "a reply of \(reply.count) bytes with length byte \(end)"
                logger.warning("bad reply to \"\(command.description)\": \(last)")
                try drain(link)
                continue
            }
            do {
                try OmronChecksum.verify(reply[1...end], what: "the reply to \"\(command.description)\"")
            } catch {
                last = "\(error)"
                logger.warning("bad reply: \(error)")
                try drain(link)
                continue
            }
            return reply
        }
        throw .failed("no valid answer to \"\(command.description)\" in \(settings.retries + 1) tries; last, \(last)")
    }

    // MARK: Link

    private func send(_ reports: [[UInt8]], on link: any CuffLink) throws(ReadFailure) {
        for report in reports {
            do {
                try link.send(report, timeout: .seconds(1))
            } catch {
                throw .lost(error)
            }
        }
    }

    /// One report, or nil when `limit` passed without one; receives in short steps to notice `stop()`.
    private func receiveReport(_ link: any CuffLink, within limit: Duration) throws(ReadFailure) -> [UInt8]? {
        let deadline = timing.now() + limit
        while true {
            guard !stopping else { throw .stopping }
            let left = deadline - timing.now()
            guard left > .zero else { return nil }
            do {
                let report = try link.receive(timeout: min(step, left))
                if !report.isEmpty { return report }
            } catch {
                throw .lost(error)
            }
        }
    }

    /// Drops what is left of a bad reply, so the next command's reply starts clean.
    private func drain(_ link: any CuffLink) throws(ReadFailure) {
        while try receiveReport(link, within: .milliseconds(50)) != nil {}
    }

    /// Sleeps in short steps so `stop()` is not held up by a long reconnect delay.
    private func pause(_ duration: Duration) {
        var left = duration
        while left > .zero, !stopping {
            let slice = min(left, step)
            timing.sleep(slice)
            left -= slice
        }
    }
}
