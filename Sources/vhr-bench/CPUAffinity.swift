import CBenchPeers

/// Pins threads to CPUs, so the producer and consumer of a two-thread run sit on different cores
/// (ringbuffer.md §2: pinned and unpinned agree in the common placement, pinned loses less in the
/// slow one). `pthread_setaffinity_np` is called from CBenchPeers: Swift's Glibc module does not
/// declare it (it needs `_GNU_SOURCE`).
enum CPUAffinity {
    /// Pins the calling thread to `cpu`; false if `cpu` is negative or the kernel refuses.
    static func pinCurrentThread(to cpu: Int) -> Bool {
        cpu >= 0 && vhr_bench_pin_current_thread(Int32(cpu)) != 0
    }

    /// Whether this process may run on every CPU in `cpus` (its affinity mask allows them).
    static func mayRun(on cpus: [Int]) -> Bool {
        cpus.allSatisfy { $0 >= 0 && vhr_bench_may_run_on(Int32($0)) != 0 }
    }
}
