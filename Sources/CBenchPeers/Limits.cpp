// The physical limits the rings are compared against, and the placement probe.
#include <memory>

#include "harness.hpp"

using vhrbench::ChunkMeter;
using vhrbench::now_ns;

namespace {

vhr_bench_result memcpy_run(const vhr_bench_config &config) {
    const int64_t block = std::max<int64_t>(1, config.block);
    const int64_t capacity = std::max(config.capacity, block);
    std::vector<int16_t> ring(size_t(capacity + block));
    std::vector<int16_t> out(static_cast<size_t>(block));
    vhrbench::fill(ring.data(), int64_t(ring.size()), 0);
    vhr_bench_result result{};
    result.pinned = vhrbench::pin(config.producer_cpu);
    ChunkMeter meter;
    meter.start();
    const int64_t deadline = now_ns() + config.duration_ns;
    int64_t offset = 0;
    int64_t errors = 0;
    do {
        for (int64_t done = 0; done < vhrbench::kChunkSamples; done += block) {
            memcpy(out.data(), ring.data() + offset, size_t(block) * sizeof(int16_t));
            // Keeps the copy: the compiler must assume the barrier reads `out`.
            asm volatile("" : : "r"(out.data()) : "memory");
            errors += out[0] != int16_t(uint16_t(offset));
            offset += block;
            if (offset >= capacity) offset = 0;
            meter.add(block);
        }
    } while (now_ns() < deadline);
    meter.finish(result);
    result.errors = errors;
    return result;
}

}  // namespace

extern "C" vhr_bench_result vhr_bench_memcpy_run(vhr_bench_config config) {
    // On a thread of its own, so pinning never touches the caller's thread.
    vhr_bench_result result{};
    std::thread([&] { result = memcpy_run(config); }).join();
    return result;
}

extern "C" vhr_bench_result vhr_bench_crosscore_run(vhr_bench_config config) {
    const int64_t block = std::max<int64_t>(1, config.block);
    struct Shared {
        alignas(128) std::atomic<int> full{0};
        alignas(128) std::atomic<int64_t> write_ns{0};
    };
    auto shared = std::make_unique<Shared>();
    std::unique_ptr<int16_t[]> buffer(new (std::align_val_t(128)) int16_t[size_t(block)]);
    std::vector<double> rates;
    rates.reserve(1 << 16);
    vhr_bench_result result = vhrbench::run_pair(
        config,
        [&](std::atomic<bool> &stop) {
            std::vector<int16_t> staging(static_cast<size_t>(block));
            uint16_t next = 0;
            int64_t spent = 0;
            for (;;) {
                while (shared->full.load(std::memory_order_acquire) != 0) {
                    if (stop.load(std::memory_order_relaxed)) return;
                }
                if (stop.load(std::memory_order_relaxed)) return;
                int64_t start = now_ns();
                vhrbench::fill(staging.data(), block, next);
                memcpy(buffer.get(), staging.data(), size_t(block) * sizeof(int16_t));
                spent += now_ns() - start;
                shared->write_ns.store(spent, std::memory_order_relaxed);
                shared->full.store(1, std::memory_order_release);
                next = uint16_t(next + uint16_t(block));
            }
        },
        [&](std::atomic<bool> &stop, ChunkMeter &meter, int64_t &errors) {
            std::vector<int16_t> out(static_cast<size_t>(block));
            uint16_t expected = 0;
            int64_t chunk = 0;
            int64_t read_ns = 0;
            int64_t chunk_read_start = 0;
            int64_t chunk_write_start = 0;
            for (;;) {
                while (shared->full.load(std::memory_order_acquire) != 1) {
                    if (stop.load(std::memory_order_relaxed) && shared->full.load(std::memory_order_acquire) != 1) {
                        goto done;
                    }
                }
                {
                    int64_t start = now_ns();
                    memcpy(out.data(), buffer.get(), size_t(block) * sizeof(int16_t));
                    errors += vhrbench::verify(out.data(), block, expected);
                    read_ns += now_ns() - start;
                }
                shared->full.store(0, std::memory_order_release);
                expected = uint16_t(expected + uint16_t(block));
                meter.add(block);
                chunk += block;
                if (chunk >= vhrbench::kChunkSamples) {
                    // The write time up to this block is visible: the acquire above saw its release.
                    int64_t write_ns = shared->write_ns.load(std::memory_order_relaxed);
                    int64_t slower = std::max(read_ns - chunk_read_start, write_ns - chunk_write_start);
                    if (slower > 0 && rates.size() < rates.capacity()) rates.push_back(double(chunk) * 1e9 / double(slower));
                    chunk = 0;
                    chunk_read_start = read_ns;
                    chunk_write_start = write_ns;
                }
            }
        done:;
        });
    if (!rates.empty()) {
        auto middle = rates.begin() + rates.size() / 2;
        std::nth_element(rates.begin(), middle, rates.end());
        result.chunk_median_rate = *middle;
        result.chunks = int64_t(rates.size());
    }
    return result;
}

extern "C" vhr_bench_result vhr_bench_crosscore_pipelined_run(vhr_bench_config config) {
    // The same blocks through a shared buffer of the ring's size, cut into block-sized slots with
    // one full/empty flag each (on its own line): the producer fills a block and copies it into the
    // next free slot, the consumer copies the next full slot out and verifies it, both at once.
    // That is exactly a ring's work without its index bookkeeping, so it is the like-for-like bound
    // for a ring whose two sides overlap (they share the cross-core traffic, which the sides-apart
    // bound above does not charge).
    const int64_t block = std::max<int64_t>(1, config.block);
    const int64_t slots = std::max<int64_t>(2, std::max(config.capacity, block) / block);
    struct alignas(128) Flag {
        std::atomic<int> full{0};
    };
    std::unique_ptr<Flag[]> flags(new Flag[size_t(slots)]);
    std::unique_ptr<int16_t[]> buffer(new (std::align_val_t(128)) int16_t[size_t(slots * block)]);
    return vhrbench::run_pair(
        config,
        [&](std::atomic<bool> &stop) {
            std::vector<int16_t> staging(static_cast<size_t>(block));
            uint16_t next = 0;
            for (int64_t slot = 0;; slot = slot + 1 == slots ? 0 : slot + 1) {
                vhrbench::fill(staging.data(), block, next);
                while (flags[size_t(slot)].full.load(std::memory_order_acquire) != 0) {
                    if (stop.load(std::memory_order_relaxed)) return;
                }
                memcpy(buffer.get() + slot * block, staging.data(), size_t(block) * sizeof(int16_t));
                flags[size_t(slot)].full.store(1, std::memory_order_release);
                next = uint16_t(next + uint16_t(block));
                if (stop.load(std::memory_order_relaxed)) return;
            }
        },
        [&](std::atomic<bool> &stop, ChunkMeter &meter, int64_t &errors) {
            std::vector<int16_t> out(static_cast<size_t>(block));
            uint16_t expected = 0;
            for (int64_t slot = 0;; slot = slot + 1 == slots ? 0 : slot + 1) {
                while (flags[size_t(slot)].full.load(std::memory_order_acquire) != 1) {
                    if (stop.load(std::memory_order_relaxed)) return;
                }
                memcpy(out.data(), buffer.get() + slot * block, size_t(block) * sizeof(int16_t));
                flags[size_t(slot)].full.store(0, std::memory_order_release);
                errors += vhrbench::verify(out.data(), block, expected);
                expected = uint16_t(expected + uint16_t(block));
                meter.add(block);
            }
        });
}

extern "C" double vhr_bench_pingpong_ns(int32_t cpu_a, int32_t cpu_b, int64_t duration_ns) {
    struct Ball {
        alignas(128) std::atomic<int> value{0};
    };
    auto ball = std::make_unique<Ball>();
    // Small batches, so the median skips the batches a descheduled vCPU stalled.
    constexpr int kBatch = 32;
    std::vector<double> batches;
    batches.reserve(1 << 16);
    std::thread other([&] {
        vhrbench::pin(cpu_b);
        for (;;) {
            int seen;
            while ((seen = ball->value.load(std::memory_order_acquire)) == 0) {}
            if (seen == 2) return;
            ball->value.store(0, std::memory_order_release);
        }
    });
    // Both sides on threads of their own, so pinning never touches the caller's thread.
    std::thread([&] {
        vhrbench::pin(cpu_a);
        const int64_t deadline = now_ns() + duration_ns;
        do {
            int64_t start = now_ns();
            for (int i = 0; i < kBatch; i++) {
                ball->value.store(1, std::memory_order_release);
                while (ball->value.load(std::memory_order_acquire) != 0) {}
            }
            if (batches.size() < batches.capacity()) batches.push_back(double(now_ns() - start) / kBatch);
        } while (now_ns() < deadline);
        ball->value.store(2, std::memory_order_release);
    }).join();
    other.join();
    auto middle = batches.begin() + batches.size() / 2;
    std::nth_element(batches.begin(), middle, batches.end());
    return *middle;
}

extern "C" int32_t vhr_bench_pin_current_thread(int32_t cpu) { return vhrbench::pin(cpu) ? 1 : 0; }

extern "C" int32_t vhr_bench_may_run_on(int32_t cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
    return CPU_ISSET(cpu, &set) ? 1 : 0;
}
