import CBenchPeers

/// What one timed run measured (one configuration, one round).
struct RunResult: Sendable {
    /// The median chunk rate (see `ChunkMeter`), samples per second.
    var samplesPerSecond: Double
    /// Samples received and verified, and the run's wall time.
    var samples: Int
    var elapsedNanoseconds: Int64
    /// Chunks the median was taken over.
    var chunks: Int
    /// Samples that broke the ramp: anything but 0 is a bug in the ring (or the harness).
    var errors: Int
    /// Whether every thread that asked for a CPU got it.
    var pinned = false
    /// Extra per-run numbers some configurations report (fan-out readers, end to end).
    var extra: [String: Double] = [:]

    init(samplesPerSecond: Double, samples: Int, elapsedNanoseconds: Int64, chunks: Int, errors: Int) {
        self.samplesPerSecond = samplesPerSecond
        self.samples = samples
        self.elapsedNanoseconds = elapsedNanoseconds
        self.chunks = chunks
        self.errors = errors
    }

    init(_ result: vhr_bench_result) {
        self.init(
            samplesPerSecond: result.chunk_median_rate, samples: Int(result.samples),
            elapsedNanoseconds: result.elapsed_ns, chunks: Int(result.chunks), errors: Int(result.errors))
        pinned = result.pinned != 0
    }
}
