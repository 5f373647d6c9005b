// JACK's jack_ringbuffer_t in the shared harness.
#include <jack/ringbuffer.h>

#include "harness.hpp"

namespace {

/// The ring is byte-granular and keeps one byte free, so its space is odd whenever its fill is
/// even: every call checks for whole samples first, or it would move half a sample.
struct JackRing {
    jack_ringbuffer_t *ring;

    explicit JackRing(int64_t samples) : ring(jack_ringbuffer_create(size_t(samples) * sizeof(int16_t))) {}
    ~JackRing() { jack_ringbuffer_free(ring); }

    bool push1(int16_t value) {
        if (jack_ringbuffer_write_space(ring) < sizeof value) return false;
        jack_ringbuffer_write(ring, reinterpret_cast<const char *>(&value), sizeof value);
        return true;
    }
    bool pop1(int16_t &value) {
        if (jack_ringbuffer_read_space(ring) < sizeof value) return false;
        jack_ringbuffer_read(ring, reinterpret_cast<char *>(&value), sizeof value);
        return true;
    }
    int64_t push(const int16_t *samples, int64_t count) {
        int64_t room = int64_t(jack_ringbuffer_write_space(ring) / sizeof(int16_t));
        int64_t moved = std::min(room, count);
        if (moved > 0) {
            jack_ringbuffer_write(ring, reinterpret_cast<const char *>(samples), size_t(moved) * sizeof(int16_t));
        }
        return moved;
    }
    int64_t pop(int16_t *samples, int64_t count) {
        int64_t available = int64_t(jack_ringbuffer_read_space(ring) / sizeof(int16_t));
        int64_t moved = std::min(available, count);
        if (moved > 0) jack_ringbuffer_read(ring, reinterpret_cast<char *>(samples), size_t(moved) * sizeof(int16_t));
        return moved;
    }
};

}  // namespace

extern "C" vhr_bench_result vhr_bench_jack_run(vhr_bench_config config) {
    JackRing ring(config.capacity);
    return vhrbench::run_ring(config, ring);
}
