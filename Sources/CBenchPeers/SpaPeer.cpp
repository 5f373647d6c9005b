// PipeWire's spa_ringbuffer in the shared harness, used as PipeWire uses it: byte indices, the
// caller copies with *_data and publishes with *_update.
#include <spa/utils/ringbuffer.h>

#include <memory>

#include "harness.hpp"

namespace {

struct SpaRing {
    // The two indices share one 8-byte struct (the caller cannot pad them apart); give the struct
    // its own cache lines so only the ring's own layout is measured.
    alignas(128) spa_ringbuffer indices;
    alignas(128) uint32_t size;
    std::unique_ptr<int16_t[]> storage;

    explicit SpaRing(int64_t samples)
        : size(uint32_t(samples) * sizeof(int16_t)), storage(new int16_t[size_t(samples)]) {
        spa_ringbuffer_init(&indices);
    }

    int64_t push(const int16_t *samples, int64_t count) {
        uint32_t index;
        int32_t filled = spa_ringbuffer_get_write_index(&indices, &index);
        int64_t room = (int64_t(size) - filled) / int64_t(sizeof(int16_t));
        int64_t moved = std::min(room, count);
        if (moved <= 0) return 0;
        uint32_t bytes = uint32_t(moved) * sizeof(int16_t);
        spa_ringbuffer_write_data(&indices, storage.get(), size, index & (size - 1), samples, bytes);
        spa_ringbuffer_write_update(&indices, int32_t(index + bytes));
        return moved;
    }
    int64_t pop(int16_t *samples, int64_t count) {
        uint32_t index;
        int32_t filled = spa_ringbuffer_get_read_index(&indices, &index);
        int64_t moved = std::min(int64_t(filled) / int64_t(sizeof(int16_t)), count);
        if (moved <= 0) return 0;
        uint32_t bytes = uint32_t(moved) * sizeof(int16_t);
        spa_ringbuffer_read_data(&indices, storage.get(), size, index & (size - 1), samples, bytes);
        spa_ringbuffer_read_update(&indices, int32_t(index + bytes));
        return moved;
    }
    bool push1(int16_t value) { return push(&value, 1) == 1; }
    bool pop1(int16_t &value) { return pop(&value, 1) == 1; }
};

}  // namespace

extern "C" vhr_bench_result vhr_bench_spa_run(vhr_bench_config config) {
    auto ring = std::make_unique<SpaRing>(config.capacity);
    return vhrbench::run_ring(config, *ring);
}
