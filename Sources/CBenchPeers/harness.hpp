// The two-thread harness every peer runs in: the same ramp data, the same chunked timing and the
// same stop protocol as vhr-bench's Swift harness (Sources/vhr-bench/SPSCBenchmark.swift), so the
// numbers compare.
#pragma once

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "vhr_bench_peers.h"

namespace vhrbench {

/// A chunk is timed once it holds at least this many samples.
constexpr int64_t kChunkSamples = 65536;
/// The producer looks at the stop flag once per this many per-element pushes.
constexpr int64_t kStopCheckInterval = 4096;

inline int64_t now_ns() {
    timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return int64_t(time.tv_sec) * 1000000000 + time.tv_nsec;
}

/// Pins the calling thread; true on success, false for cpu < 0 or when the kernel refuses.
inline bool pin(int32_t cpu) {
    if (cpu < 0) return false;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

/// Per-chunk rates, median at the end; storage reserved up front so the hot loop never allocates.
class ChunkMeter {
public:
    ChunkMeter() { rates_.reserve(1 << 16); }

    void start() { chunk_start_ = first_ = now_ns(); }

    void add(int64_t samples) {
        chunk_ += samples;
        if (chunk_ < kChunkSamples) return;
        int64_t now = now_ns();
        if (now > chunk_start_ && rates_.size() < rates_.capacity()) {
            rates_.push_back(double(chunk_) * 1e9 / double(now - chunk_start_));
        }
        total_ += chunk_;
        chunk_ = 0;
        chunk_start_ = now;
    }

    void finish(vhr_bench_result &result) {
        total_ += chunk_;
        result.samples = total_;
        result.elapsed_ns = now_ns() - first_;
        result.chunks = int64_t(rates_.size());
        if (rates_.empty()) {
            result.chunk_median_rate = result.elapsed_ns > 0 ? double(total_) * 1e9 / double(result.elapsed_ns) : 0;
            return;
        }
        auto middle = rates_.begin() + rates_.size() / 2;
        std::nth_element(rates_.begin(), middle, rates_.end());
        result.chunk_median_rate = *middle;
    }

private:
    std::vector<double> rates_;
    int64_t chunk_ = 0;
    int64_t total_ = 0;
    int64_t chunk_start_ = 0;
    int64_t first_ = 0;
};

/// Counts samples that break the ramp (sample i is int16_t(i)). The fast path only ORs the
/// differences together, which vectorizes to memory speed; counting runs only after a mismatch.
inline int64_t verify(const int16_t *samples, int64_t count, uint16_t first) {
    uint16_t differences = 0;
    for (int64_t k = 0; k < count; k++) {
        differences |= uint16_t(samples[k]) ^ uint16_t(first + uint16_t(k));
    }
    if (differences == 0) return 0;
    int64_t errors = 0;
    for (int64_t k = 0; k < count; k++) {
        errors += samples[k] != int16_t(uint16_t(first + uint16_t(k)));
    }
    return errors;
}

inline void fill(int16_t *samples, int64_t count, uint16_t first) {
    for (int64_t k = 0; k < count; k++) samples[k] = int16_t(uint16_t(first + uint16_t(k)));
}

/// Runs `producer(stop)` and `consumer(stop, meter, errors)` on two threads for the configured
/// time. Each side stops when it finds `stop` set while it would otherwise wait (ring full or
/// empty); samples still in the ring then are simply not counted.
template <class Producer, class Consumer>
vhr_bench_result run_pair(const vhr_bench_config &config, Producer producer, Consumer consumer) {
    alignas(128) std::atomic<bool> stop{false};
    std::atomic<int> pinned{0};
    std::atomic<int> ready{0};
    vhr_bench_result result{};
    std::thread consumer_thread([&] {
        if (pin(config.consumer_cpu)) pinned.fetch_add(1);
        ChunkMeter meter;
        int64_t errors = 0;
        ready.fetch_add(1);
        while (ready.load() < 2) {}
        meter.start();
        consumer(stop, meter, errors);
        meter.finish(result);
        result.errors = errors;
    });
    std::thread producer_thread([&] {
        if (pin(config.producer_cpu)) pinned.fetch_add(1);
        ready.fetch_add(1);
        while (ready.load() < 2) {}
        producer(stop);
    });
    while (ready.load() < 2) std::this_thread::yield();
    timespec pause{time_t(config.duration_ns / 1000000000), long(config.duration_ns % 1000000000)};
    nanosleep(&pause, nullptr);
    stop.store(true, std::memory_order_relaxed);
    producer_thread.join();
    consumer_thread.join();
    int wanted = (config.producer_cpu >= 0) + (config.consumer_cpu >= 0);
    result.pinned = wanted == 2 && pinned.load() == 2;
    return result;
}

/// The standard producer and consumer over a ring adapter with `push1/pop1` (per element) and
/// `push/pop` (bulk, partial: return how many samples moved).
template <class Ring>
vhr_bench_result run_ring(const vhr_bench_config &config, Ring &ring) {
    const int64_t block = std::max<int64_t>(1, config.block);
    if (block == 1) {
        return run_pair(
            config,
            [&](std::atomic<bool> &stop) {
                uint16_t next = 0;
                for (int64_t i = 1;; i++) {
                    while (!ring.push1(int16_t(next))) {
                        if (stop.load(std::memory_order_relaxed)) return;
                        vhr_bench_backoff(config.backoff_pauses);
                    }
                    next++;
                    if (i % kStopCheckInterval == 0 && stop.load(std::memory_order_relaxed)) return;
                }
            },
            [&](std::atomic<bool> &stop, ChunkMeter &meter, int64_t &errors) {
                uint16_t expected = 0;
                int64_t batch = 0;
                int16_t value;
                for (;;) {
                    if (!ring.pop1(value)) {
                        if (stop.load(std::memory_order_relaxed)) break;
                        vhr_bench_backoff(config.backoff_pauses);
                        continue;
                    }
                    errors += value != int16_t(expected);
                    expected++;
                    if (++batch == kStopCheckInterval) {
                        meter.add(batch);
                        batch = 0;
                    }
                }
                meter.add(batch);
            });
    }
    return run_pair(
        config,
        [&](std::atomic<bool> &stop) {
            std::vector<int16_t> staging(static_cast<size_t>(block));
            uint16_t next = 0;
            for (;;) {
                fill(staging.data(), block, next);
                int64_t done = 0;
                while (done < block) {
                    int64_t moved = ring.push(staging.data() + done, block - done);
                    if (moved == 0 && stop.load(std::memory_order_relaxed)) return;
                    done += moved;
                }
                next = uint16_t(next + uint16_t(block));
                if (stop.load(std::memory_order_relaxed)) return;
            }
        },
        [&](std::atomic<bool> &stop, ChunkMeter &meter, int64_t &errors) {
            std::vector<int16_t> buffer(static_cast<size_t>(block));
            uint16_t expected = 0;
            for (;;) {
                int64_t moved = ring.pop(buffer.data(), block);
                if (moved == 0) {
                    if (stop.load(std::memory_order_relaxed)) break;
                    continue;
                }
                errors += verify(buffer.data(), moved, expected);
                expected = uint16_t(expected + uint16_t(moved));
                meter.add(moved);
            }
        });
}

}  // namespace vhrbench
