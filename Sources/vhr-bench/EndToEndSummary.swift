/// The end-to-end scenario's numbers, as the report shows them.
struct EndToEndSummary {
    var clients: Int
    var frames: Int
    var frameSamples: Int
    var samplesPerClientPerSecond: Double
    /// Latency after the frame's last sample was captured, milliseconds.
    var latencyP50: Double
    var latencyP99: Double
    var latencyMax: Double
    /// Latency after the frame's first sample was captured, milliseconds.
    var firstSampleP50: Double
    var firstSampleP99: Double
    /// vhrd's CPU time per second of audio (= of wall time), with the clients and with none.
    var cpuFraction: Double
    var idleCPUFraction: Double
    var droppedSamples: Int
    var gaps: Int
    var errors: Int
    var seconds: Double

    init(_ outcome: EndToEndBenchmark.Outcome, clients: Int) {
        self.clients = clients
        frames = outcome.framesPerClient.reduce(0, +)
        frameSamples = outcome.frameSamples
        samplesPerClientPerSecond = Statistics.median(outcome.samplesPerClientPerSecond)
        latencyP50 = Statistics.quantile(outcome.latencyMilliseconds, 0.5)
        latencyP99 = Statistics.quantile(outcome.latencyMilliseconds, 0.99)
        latencyMax = outcome.latencyMilliseconds.max() ?? 0
        firstSampleP50 = Statistics.quantile(outcome.firstSampleLatencyMilliseconds, 0.5)
        firstSampleP99 = Statistics.quantile(outcome.firstSampleLatencyMilliseconds, 0.99)
        cpuFraction = outcome.cpuFractionWithClients
        idleCPUFraction = outcome.cpuFractionIdle
        droppedSamples = outcome.droppedSamples
        gaps = outcome.gaps
        errors = outcome.errors
        seconds = outcome.elapsedSeconds
    }
}
