import Foundation
import Synchronization

/// The listening modes of an electronic stethoscope, after the Littmann 3200's bell, diaphragm
/// and extended filters (stethoscope-streaming.md §1.1, §1.3), as cascaded biquads behind a DC
/// blocker. No gain control, no noise suppression: clinicians need the signal as it is.
///
/// All three modes run on every sample, so each is always settled; switching crossfades from
/// the old mode's output to the new one's over `crossfadeLength` samples (20 ms). That avoids
/// both the click of a filter state reset and the start-up transient of a cold filter; running
/// three short cascades at 4–8 kHz costs about a microsecond per millisecond of audio.
///
/// Not thread-safe: the capture thread owns an instance and passes the wanted mode to each
/// `process` call (read once per block from an `Atomic<StethoscopeFilter.Mode>` that any thread
/// may set).
public final class StethoscopeFilter {
    /// A listening mode.
    public enum Mode: UInt8, Sendable, CaseIterable, AtomicRepresentable, CustomStringConvertible {
        /// Heart sounds: 20–1000 Hz (S1, S2, S3/S4, most murmurs); a fourth-order low-pass at 1 kHz.
        case bell = 0
        /// Lung sounds: 100–2000 Hz (crackles, wheezes); a fourth-order high-pass at 100 Hz
        /// takes out the heart's low thuds.
        case diaphragm = 1
        /// Both: 20–2000 Hz.
        case extended = 2

        /// The name on the control protocol and in profiles: `bell`, `diaphragm`, `extended`.
        public var description: String {
            switch self {
            case .bell: "bell"
            case .diaphragm: "diaphragm"
            case .extended: "extended"
            }
        }

        /// The mode named `name` (as `description` spells it), if any.
        public init?(name: String) {
            guard let mode = Self.allCases.first(where: { $0.description == name }) else { return nil }
            self = mode
        }

        /// The band the mode passes, in Hz (−3 dB corners), before the stream rate's own limit.
        public var band: ClosedRange<Double> {
            switch self {
            case .bell: 20...1000
            case .diaphragm: 100...2000
            case .extended: 20...2000
            }
        }
    }

    /// The rate of the samples it filters, in Hz.
    public let sampleRate: Int
    /// The mode whose output `process` gives now (or is fading to).
    public private(set) var mode: Mode
    /// Samples over which a mode switch fades.
    public let crossfadeLength: Int

    /// Each mode's sections, by `Mode.rawValue`.
    private let sections: [[Biquad]]
    /// Every mode's sections and their states, flat: mode m's are `stateOffsets[m] ..<
    /// stateOffsets[m + 1]`.
    private let flatSections: UnsafeMutablePointer<Biquad>
    private let states: UnsafeMutablePointer<Biquad.State>
    private let stateOffsets: [Int]
    private let chainCount: Int
    private let stateCount: Int
    /// Each mode's output for the current sample, by `Mode.rawValue`.
    private let outputs: UnsafeMutablePointer<Double>
    private var dcBlocker: DCBlocker
    /// The mode being faded out and how far the fade has come (samples), while a switch fades.
    private var fadingFrom: Mode?
    private var fadePosition = 0

    /// - Parameters:
    ///   - sampleRate: The stream rate (4000 or 8000 Hz typically; at least 1000).
    ///   - mode: The mode to start in.
    ///   - crossfadeMilliseconds: How long a switch takes.
    public init(sampleRate: Int, mode: Mode = .extended, crossfadeMilliseconds: Int = 20) {
        precondition(sampleRate >= 1000, "the stethoscope filter needs a rate of at least 1000 Hz")
        self.sampleRate = sampleRate
        self.mode = mode
        crossfadeLength = max(1, sampleRate * crossfadeMilliseconds / 1000)
        sections = Mode.allCases.map { Self.sections(for: $0, sampleRate: Double(sampleRate)) }
        var offsets: [Int] = [0]
        for chain in sections { offsets.append(offsets[offsets.count - 1] + chain.count) }
        stateOffsets = offsets
        chainCount = sections.count
        let flat = sections.flatMap { $0 }
        stateCount = flat.count
        flatSections = .allocate(capacity: max(1, flat.count))
        flatSections.initialize(from: flat, count: flat.count)
        states = .allocate(capacity: max(1, flat.count))
        states.initialize(repeating: Biquad.State(), count: max(1, flat.count))
        outputs = .allocate(capacity: sections.count)
        outputs.initialize(repeating: 0, count: sections.count)
        dcBlocker = DCBlocker(corner: 5, sampleRate: Double(sampleRate))
    }

    deinit {
        flatSections.deallocate()
        states.deallocate()
        outputs.deallocate()
    }

    /// The sections of `mode` at `sampleRate`: Butterworth high- and low-passes at the band's
    /// corners. A corner at or above 0.45 × the rate is left out: the decimator's anti-alias
    /// filter already ends the band there.
    public static func sections(for mode: Mode, sampleRate: Double) -> [Biquad] {
        let (q1, q2) = Biquad.butterworth4Q
        let limit = 0.45 * sampleRate
        var result: [Biquad] = []
        switch mode {
        case .bell:
            result.append(.highPass(cutoff: 20, q: Biquad.butterworthQ, sampleRate: sampleRate))
            if 1000 < limit {
                result.append(.lowPass(cutoff: 1000, q: q1, sampleRate: sampleRate))
                result.append(.lowPass(cutoff: 1000, q: q2, sampleRate: sampleRate))
            }
        case .diaphragm:
            result.append(.highPass(cutoff: 100, q: q1, sampleRate: sampleRate))
            result.append(.highPass(cutoff: 100, q: q2, sampleRate: sampleRate))
            if 2000 < limit { result.append(.lowPass(cutoff: 2000, q: Biquad.butterworthQ, sampleRate: sampleRate)) }
        case .extended:
            result.append(.highPass(cutoff: 20, q: Biquad.butterworthQ, sampleRate: sampleRate))
            if 2000 < limit { result.append(.lowPass(cutoff: 2000, q: Biquad.butterworthQ, sampleRate: sampleRate)) }
        }
        return result
    }

    /// The steady-state gain (linear) of `mode` at `frequency`, DC blocker included.
    public func magnitude(of mode: Mode, at frequency: Double) -> Double {
        let rate = Double(sampleRate)
        let w = 2 * Double.pi * frequency / rate
        // The DC blocker: (1 − z⁻¹) / (1 − p z⁻¹).
        let pole = dcBlocker.pole
        let (cosine, sine) = (cos(w), sin(w))
        let numerator: Double = (1 - cosine) * (1 - cosine) + sine * sine
        let denominator: Double = (1 - pole * cosine) * (1 - pole * cosine) + pole * pole * sine * sine
        return sections[Int(mode.rawValue)].reduce((numerator / denominator).squareRoot()) {
            $0 * $1.magnitude(at: frequency, sampleRate: rate)
        }
    }

    /// Filters a block in place, in `mode`. A mode different from the last call's starts a
    /// crossfade; a switch during a fade restarts it, from the mode that was fading in. Never
    /// allocates.
    public func process(_ samples: UnsafeMutableBufferPointer<Float>, mode wanted: Mode) {
        if wanted != mode {
            fadingFrom = mode
            fadePosition = 0
            mode = wanted
        }
        let current = Int(mode.rawValue)
        let fadeLength = Float(crossfadeLength)
        for index in samples.indices {
            let x = dcBlocker.process(Double(samples[index]))
            // Every mode runs, so each stays settled for an instant switch. Flat pointers and
            // index loops: even an unoptimized build then allocates nothing per sample.
            for chain in 0..<chainCount {
                var y = x
                var section = stateOffsets[chain]
                let end = stateOffsets[chain + 1]
                while section < end {
                    var state = states[section]
                    y = flatSections[section].process(y, state: &state)
                    states[section] = state
                    section += 1
                }
                outputs[chain] = y
            }
            let value = outputs[current]
            if let from = fadingFrom {
                let gain = Float(fadePosition) / fadeLength
                samples[index] = gain * Float(value) + (1 - gain) * Float(outputs[Int(from.rawValue)])
                fadePosition += 1
                if fadePosition >= crossfadeLength { fadingFrom = nil }
            } else {
                samples[index] = Float(value)
            }
        }
    }

    /// Forgets all past input, as after a gap: every mode starts from rest and no fade runs.
    public func reset() {
        states.update(repeating: Biquad.State(), count: max(1, stateCount))
        dcBlocker.reset()
        fadingFrom = nil
    }
}
