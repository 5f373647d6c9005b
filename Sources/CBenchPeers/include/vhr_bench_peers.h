// Peers and limits for vhr-bench only: boost's, JACK's and PipeWire's (spa) rings, one-thread
// memcpy, a cross-core copy and a cache-line ping-pong. Each run starts its own producer and
// consumer threads inside C++, so no Swift call sits in the peers' per-element loops.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What every two-thread harness (the C++ one and vhr-bench's Swift one) does in the per-element
/// runs when a ring is empty (consumer) or full (producer): `pauses` spin-wait hints before it
/// polls again (vhr-bench --pauses; 0, the default, polls at once). The same for every ring.
static inline void vhr_bench_backoff(int32_t pauses) {
    for (int32_t i = 0; i < pauses; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
    }
}

/// One timed run of a two-thread ring (or limit) benchmark.
typedef struct vhr_bench_config {
    /// Samples per push/pop; 1 uses the ring's per-element API.
    int64_t block;
    /// Ring capacity in Int16 samples (a power of two).
    int64_t capacity;
    /// How long the producer keeps producing, in nanoseconds.
    int64_t duration_ns;
    /// CPUs for the producer (writer) and consumer (reader) threads; -1 leaves a thread unpinned.
    int32_t producer_cpu;
    int32_t consumer_cpu;
    /// Per-element runs: spin-wait hints after finding the ring empty or full (`vhr_bench_backoff`).
    int32_t backoff_pauses;
} vhr_bench_config;

/// What the consumer saw.
typedef struct vhr_bench_result {
    /// Median of the per-chunk rates (chunks of at least 65,536 samples), samples per second:
    /// robust to the multi-millisecond vCPU stalls of a shared VM.
    double chunk_median_rate;
    /// Samples received and verified over the whole run, and the run's wall time.
    int64_t samples;
    int64_t elapsed_ns;
    /// Chunks the median was taken over.
    int64_t chunks;
    /// Samples that were not the expected ramp value: must be 0.
    int64_t errors;
    /// 1 if every thread that asked for a CPU got it.
    int32_t pinned;
} vhr_bench_result;

/// boost::lockfree::spsc_queue<int16_t> (compile-time capacity 16,384): push/pop per element for
/// block 1, push(ptr, n)/pop(ptr, n) otherwise.
vhr_bench_result vhr_bench_boost_run(vhr_bench_config config);
/// jack_ringbuffer_t: whole samples only (the space is checked before every write and read, since
/// the ring is byte-granular and keeps one byte free).
vhr_bench_result vhr_bench_jack_run(vhr_bench_config config);
/// spa_ringbuffer: get_*_index, *_data copy, *_update publish; byte indices as PipeWire uses them.
vhr_bench_result vhr_bench_spa_run(vhr_bench_config config);
/// One thread, memcpy of `block` samples out of a ring-sized buffer at rolling offsets.
vhr_bench_result vhr_bench_memcpy_run(vhr_bench_config config);
/// Cross-core copy: the producer fills a block and copies it into a shared buffer, hands it off
/// through an atomic flag, the consumer copies it out and verifies it, and hands it back. The
/// rate is that of the slower side (write or read), timed separately: the bound a pipelined ring
/// could reach if both sides overlapped perfectly. `samples`/`elapsed_ns` give the serial cycle.
vhr_bench_result vhr_bench_crosscore_run(vhr_bench_config config);

/// Pipelined cross-core copy: the same blocks through a shared buffer of `capacity` samples cut
/// into block-sized slots with one flag each; the producer fills and copies blocks in while the
/// consumer copies earlier ones out and verifies them. A ring's work without index bookkeeping:
/// the bound for a ring whose two sides run at once. Rate: median chunk rate, as for the rings.
vhr_bench_result vhr_bench_crosscore_pipelined_run(vhr_bench_config config);

/// Median round trip of a cache line bounced between two threads on `cpu_a` and `cpu_b` (-1 for
/// unpinned) for about `duration_ns`, in nanoseconds: tells the vCPU placement regime.
double vhr_bench_pingpong_ns(int32_t cpu_a, int32_t cpu_b, int64_t duration_ns);

/// Pins the calling thread to `cpu` with pthread_setaffinity_np (Swift's Glibc module does not
/// declare it: it needs _GNU_SOURCE). 1 on success, 0 for cpu < 0 or when the kernel refuses.
int32_t vhr_bench_pin_current_thread(int32_t cpu);

/// 1 if this process's affinity mask (sched_getaffinity) includes `cpu`.
int32_t vhr_bench_may_run_on(int32_t cpu);

#ifdef __cplusplus
}
#endif
