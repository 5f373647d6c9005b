import Foundation

/// Live signal quality of a stethoscope stream, for the clinician: level, peak, clipping,
/// skin contact, handling noise and a heart-rate estimate over the last few seconds.
///
/// Feed it every block of samples as it arrives (`process`); ask for a `reading` whenever one
/// is wanted (once a second is plenty). Processing does arithmetic only: all storage is
/// allocated in `init`, so it can run next to the audio path without allocating per block.
///
/// The analyzer condenses the audio into *hops* of about 20 ms (a 50 Hz envelope, research
/// note stethoscope-streaming.md §4.3) and keeps the last `windowSeconds` of hops in a ring:
/// - **level** and **peak**: RMS and largest magnitude of the samples, in dBFS (full scale
///   32768; a full-scale square wave is 0 dBFS, digital silence reads `silenceDBFS`).
/// - **clip ratio**: the share of samples at full scale (±32767 or -32768).
/// - **contact**: the *low band* (20–200 Hz, where S1, S2 and other body sounds put most of
///   their energy) has an RMS level of at least `contactFloorDBFS`. A chest piece in the air
///   hears little below 200 Hz (room noise and speech sit higher, and its diaphragm is not
///   coupled to a body), while one pressed on skin picks up heart, breath and muscle sounds
///   there even between beats; the default floor (-55 dBFS) sits well below the quietest
///   recorded heart sounds (about -35 dBFS in the low band) and well above an idle input.
/// - **handling noise**: at least one hop in the window is a *burst*: its energy above 500 Hz
///   is 10 dB or more above the window's 80th percentile of that energy (the running level set
///   by the recurring heart sounds, or a murmur), it is broadband (at least 40 % of its energy
///   above 500 Hz, where heart sounds have little but fingers rubbing the chest piece or a knock
///   on the tubing have a lot), and it is louder than -50 dBFS (faint hiss is never handling).
/// - **heart rate**: the autocorrelation of the Shannon-energy envelope over lags of 40–180 bpm.
///   The chosen lag is a local peak of at least `heartRatePeakThreshold` that repeats two periods
///   on (at least `heartRateConfirmationThreshold`), which rejects the S1-to-S2 lag of a slow
///   heart. `nil` when the window holds less than `minimumHeartRateSeconds`, there is no
///   contact, or no lag qualifies.
public struct SignalQuality: Sendable {
    /// What the analyzer saw over its window.
    public struct Reading: Sendable, Equatable {
        /// RMS level, dBFS; `silenceDBFS` for digital silence.
        public var levelDBFS: Double
        /// Largest magnitude, dBFS; `silenceDBFS` for digital silence.
        public var peakDBFS: Double
        /// Share of samples at full scale, 0…1.
        public var clipRatio: Double
        /// RMS level of the 20–200 Hz band, dBFS: what `contact` is decided on.
        public var lowBandDBFS: Double
        /// Whether the chest piece seems to touch skin.
        public var contact: Bool
        /// Whether the window holds a burst of handling noise.
        public var handlingNoise: Bool
        /// Estimated heart rate, beats per minute; `nil` when there is no clear rhythm.
        public var heartRateBPM: Double?
        /// Seconds of audio this reading covers.
        public var seconds: Double

        public init(
            levelDBFS: Double, peakDBFS: Double, clipRatio: Double, lowBandDBFS: Double, contact: Bool,
            handlingNoise: Bool, heartRateBPM: Double?, seconds: Double
        ) {
            self.levelDBFS = levelDBFS
            self.peakDBFS = peakDBFS
            self.clipRatio = clipRatio
            self.lowBandDBFS = lowBandDBFS
            self.contact = contact
            self.handlingNoise = handlingNoise
            self.heartRateBPM = heartRateBPM
            self.seconds = seconds
        }
    }

    /// The level reported for digital silence (a logarithm of zero has no value).
    public static let silenceDBFS = -120.0
    /// Heart rates searched, beats per minute.
    public static let heartRates: ClosedRange<Double> = 40...180
    /// The least normalized autocorrelation that counts as a rhythm.
    public static let heartRatePeakThreshold = 0.25
    /// The least normalized autocorrelation two periods on that confirms a period.
    public static let heartRateConfirmationThreshold = 0.1
    /// The least audio a heart rate is estimated from: two beats at 40 bpm.
    public static let minimumHeartRateSeconds = 3.0

    public let format: AudioFormat
    /// Samples per hop (about 20 ms).
    public let hopLength: Int
    /// Hops in the window.
    public let windowHops: Int
    /// Low-band RMS level at and above which the chest piece counts as touching skin.
    public let contactFloorDBFS: Double

    private static let fullScale = 32768.0
    private static let burstRatio = 10.0  // 10 dB above the median hop
    private static let burstHighShare = 0.4
    private static let burstFloorDBFS = -50.0

    // One entry per hop, a ring of `windowHops`; hop h is at h % windowHops.
    private var hopSquares: [Double]
    private var hopAC: [Double]
    private var hopLow: [Double]
    private var hopHigh: [Double]
    private var hopShannon: [Double]
    private var hopPeak: [Double]
    private var hopClipped: [Int]
    private var hops = 0

    // The hop being filled.
    private var filled = 0
    private var squares = 0.0
    private var ac = 0.0
    private var low = 0.0
    private var high = 0.0
    private var shannon = 0.0
    private var peak = 0.0
    private var clipped = 0

    // Filters: a one-pole DC blocker, then second-order Butterworth sections for the bands.
    private let dcPole: Double
    private var lowBand: BandSection
    private var highBand: BandSection
    private let lowPass400: Double
    private let peakDecay: Double
    private var dcInput = 0.0
    private var dc = 0.0
    private var envelopeBand = 0.0
    private var runningPeak = 0.0

    /// Creates an analyzer.
    ///
    /// - Parameters:
    ///   - format: The samples' format; frames with several channels are analyzed as their mean.
    ///   - windowSeconds: How much audio a reading covers.
    ///   - contactFloorDBFS: The low-band level that means skin contact.
    public init(format: AudioFormat, windowSeconds: Double = 5, contactFloorDBFS: Double = -55) {
        precondition(windowSeconds >= 1, "the signal quality window must be at least a second")
        self.format = format
        self.contactFloorDBFS = contactFloorDBFS
        let rate = Double(format.sampleRate)
        hopLength = max(1, Int((rate / 50).rounded()))
        windowHops = max(1, Int((windowSeconds * rate / Double(hopLength)).rounded()))
        hopSquares = Array(repeating: 0, count: windowHops)
        hopAC = hopSquares
        hopLow = hopSquares
        hopHigh = hopSquares
        hopShannon = hopSquares
        hopPeak = hopSquares
        hopClipped = Array(repeating: 0, count: windowHops)
        func pole(_ hertz: Double) -> Double { exp(-2 * Double.pi * min(hertz, 0.45 * rate) / rate) }
        dcPole = pole(20)
        lowPass400 = 1 - pole(400)
        lowBand = BandSection(lowPassAt: min(200, 0.45 * rate), rate: rate)
        highBand = BandSection(highPassAt: min(500, 0.45 * rate), rate: rate)
        // The envelope is normalized by a peak that decays with a 2 s time constant.
        peakDecay = exp(-1 / (2 * rate))
    }

    /// Forgets everything, as if just created (a new patient, a new device session).
    public mutating func reset() {
        self = SignalQuality(
            format: format, windowSeconds: Double(windowHops * hopLength) / Double(format.sampleRate),
            contactFloorDBFS: contactFloorDBFS)
    }

    /// Analyzes the next samples (interleaved, whole frames). Does not allocate.
    public mutating func process(_ samples: UnsafeBufferPointer<Int16>) {
        let channels = format.channels
        precondition(samples.count % channels == 0, "signal quality is fed whole frames")
        var index = 0
        while index < samples.count {
            var sum = 0
            var isClipped = false
            for channel in 0..<channels {
                let sample = samples[index + channel]
                sum += Int(sample)
                if sample >= Int16.max || sample <= -Int16.max { isClipped = true }
            }
            index += channels
            processFrame(Double(sum) / Double(channels), clipped: isClipped)
        }
    }

    private mutating func processFrame(_ x: Double, clipped isClipped: Bool) {
        squares += x * x
        peak = max(peak, abs(x))
        if isClipped { clipped += 1 }

        // DC blocker (a 20 Hz high-pass): everything below works on the AC part.
        dc = dcPole * (dc + x - dcInput)
        dcInput = x
        ac += dc * dc
        // Low band, 20-200 Hz, and high band, above 400 Hz: 12 dB/octave slopes.
        let lowSample = lowBand.process(dc)
        low += lowSample * lowSample
        let highSample = highBand.process(dc)
        high += highSample * highSample
        // Shannon energy of the heart-sound band, normalized by a slowly decaying peak.
        envelopeBand += lowPass400 * (dc - envelopeBand)
        let magnitude = abs(envelopeBand)
        runningPeak = max(magnitude, runningPeak * peakDecay)
        if runningPeak > 0 {
            let square = (magnitude / runningPeak) * (magnitude / runningPeak)
            if square > 0 { shannon -= square * log(square) }
        }

        filled += 1
        if filled == hopLength { finishHop() }
    }

    private mutating func finishHop() {
        let slot = hops % windowHops
        hopSquares[slot] = squares
        hopAC[slot] = ac
        hopLow[slot] = low
        hopHigh[slot] = high
        hopShannon[slot] = shannon / Double(hopLength)
        hopPeak[slot] = peak
        hopClipped[slot] = clipped
        hops += 1
        filled = 0
        squares = 0
        ac = 0
        low = 0
        high = 0
        shannon = 0
        peak = 0
        clipped = 0
    }

    /// Seconds of audio in the window so far (whole hops only).
    public var seconds: Double {
        Double(min(hops, windowHops) * hopLength) / Double(format.sampleRate)
    }

    /// The quality over the window; `nil` before the first hop is complete.
    public func reading() -> Reading? {
        let count = min(hops, windowHops)
        guard count > 0 else { return nil }
        // The window's hops in time order.
        let order = (0..<count).map { (hops - count + $0) % windowHops }
        let samples = Double(count * hopLength)
        var totalSquares = 0.0
        var totalLow = 0.0
        var largest = 0.0
        var totalClipped = 0
        for slot in order {
            totalSquares += hopSquares[slot]
            totalLow += hopLow[slot]
            largest = max(largest, hopPeak[slot])
            totalClipped += hopClipped[slot]
        }
        let lowBand = Self.dbfs(rms: (totalLow / samples).squareRoot())
        let contact = lowBand >= contactFloorDBFS
        return Reading(
            levelDBFS: Self.dbfs(rms: (totalSquares / samples).squareRoot()), peakDBFS: Self.dbfs(rms: largest),
            clipRatio: Double(totalClipped) / samples, lowBandDBFS: lowBand, contact: contact,
            handlingNoise: hasHandlingBurst(order), heartRateBPM: contact ? heartRate(order) : nil,
            seconds: samples / Double(format.sampleRate))
    }

    private static func dbfs(rms: Double) -> Double {
        guard rms > 0 else { return silenceDBFS }
        return max(silenceDBFS, 20 * log10(rms / fullScale))
    }

    private func hasHandlingBurst(_ order: [Int]) -> Bool {
        // The reference is a high percentile, not the median: heart sounds and a murmur recur
        // in a good share of the hops, so they set the level a burst must stand out from, while
        // a burst shorter than a fifth of the window cannot raise it.
        let highs = order.map { hopHigh[$0] }.sorted()
        let reference = highs[highs.count * 4 / 5]
        let floor = Double(hopLength) * pow(Self.fullScale * pow(10, Self.burstFloorDBFS / 20), 2)
        for slot in order {
            // Energy after the DC blocker, so an offset in the input is not mistaken for a level.
            let energy = hopAC[slot]
            let high = hopHigh[slot]
            if energy >= floor, high >= Self.burstRatio * reference, high >= Self.burstHighShare * energy {
                return true
            }
        }
        return false
    }

    private func heartRate(_ order: [Int]) -> Double? {
        let hopRate = Double(format.sampleRate) / Double(hopLength)
        guard Double(order.count) / hopRate >= Self.minimumHeartRateSeconds else { return nil }
        var envelope = order.map { hopShannon[$0] }
        let mean = envelope.reduce(0, +) / Double(envelope.count)
        for index in envelope.indices { envelope[index] -= mean }
        let energy = envelope.reduce(0) { $0 + $1 * $1 } / Double(envelope.count)
        guard energy > 0 else { return nil }

        let shortest = Int((hopRate * 60 / Self.heartRates.upperBound).rounded(.down))
        let longest = Int((hopRate * 60 / Self.heartRates.lowerBound).rounded(.up))
        // Lags up to twice the longest are needed to confirm a period (below).
        let last = min(2 * longest + 2, envelope.count * 3 / 4)
        guard shortest >= 2, longest + 1 <= last else { return nil }
        // Unbiased and normalized: each lag's mean product over the mean square, so long lags
        // (slow hearts) are not penalized for overlapping less of the window.
        var values = [Double](repeating: 0, count: last + 1)
        for lag in (shortest - 1)...last {
            var sum = 0.0
            for index in 0..<(envelope.count - lag) { sum += envelope[index] * envelope[index + lag] }
            values[lag] = sum / Double(envelope.count - lag) / energy
        }
        func isPeak(_ lag: Int) -> Bool { values[lag] >= values[lag - 1] && values[lag] >= values[lag + 1] }
        // A beat period repeats: the envelope also matches itself two periods on. The lag from
        // S1 to S2 (systole) does not, which is what tells a slow heart from a fast one.
        func confirmation(_ lag: Int) -> Double {
            guard 2 * lag + 2 <= last else { return values[lag] }
            return ((2 * lag - 2)...(2 * lag + 2)).map { values[$0] }.max() ?? 0
        }
        var best: Int?
        var bestScore = -Double.infinity
        for lag in shortest...longest
        where isPeak(lag) && values[lag] >= Self.heartRatePeakThreshold
            && confirmation(lag) >= Self.heartRateConfirmationThreshold
        {
            let score = values[lag] + confirmation(lag)
            if score > bestScore {
                best = lag
                bestScore = score
            }
        }
        guard var best else { return nil }
        // A peak at half the lag that is nearly as strong is the real beat (the longer one is
        // its second repetition).
        let half = best / 2
        if half - 1 >= shortest {
            for lag in (half - 1)...(half + 1) where isPeak(lag) && values[lag] >= 0.85 * values[best] {
                best = lag
            }
        }
        // Parabolic interpolation between the neighbouring lags for a sub-hop estimate.
        let (left, centre, right) = (values[best - 1], values[best], values[best + 1])
        let curvature = left - 2 * centre + right
        let offset = curvature < 0 ? 0.5 * (left - right) / curvature : 0
        return 60 * hopRate / (Double(best) + offset)
    }
}

/// A second-order Butterworth section (RBJ cookbook, Q = 1/√2), direct form I.
private struct BandSection: Sendable {
    private let b0, b1, b2, a1, a2: Double
    private var x1 = 0.0
    private var x2 = 0.0
    private var y1 = 0.0
    private var y2 = 0.0

    init(lowPassAt frequency: Double, rate: Double) {
        let (cosine, alpha) = Self.prewarp(frequency, rate)
        let a0 = 1 + alpha
        b0 = (1 - cosine) / 2 / a0
        b1 = (1 - cosine) / a0
        b2 = b0
        a1 = -2 * cosine / a0
        a2 = (1 - alpha) / a0
    }

    init(highPassAt frequency: Double, rate: Double) {
        let (cosine, alpha) = Self.prewarp(frequency, rate)
        let a0 = 1 + alpha
        b0 = (1 + cosine) / 2 / a0
        b1 = -(1 + cosine) / a0
        b2 = b0
        a1 = -2 * cosine / a0
        a2 = (1 - alpha) / a0
    }

    private static func prewarp(_ frequency: Double, _ rate: Double) -> (cosine: Double, alpha: Double) {
        let omega = 2 * Double.pi * frequency / rate
        return (cos(omega), sin(omega) / (2 * 0.5.squareRoot()))
    }

    mutating func process(_ x: Double) -> Double {
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1
        x1 = x
        y2 = y1
        y1 = y
        return y
    }
}
