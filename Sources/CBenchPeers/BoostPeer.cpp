// boost::lockfree::spsc_queue<int16_t> in the shared harness.
#include <boost/lockfree/spsc_queue.hpp>

#include "harness.hpp"

namespace {

// Compile-time capacity: boost's fastest configuration (no runtime size loads).
constexpr size_t kBoostCapacity = 16384;

struct BoostRing {
    boost::lockfree::spsc_queue<int16_t, boost::lockfree::capacity<kBoostCapacity>> queue;

    bool push1(int16_t value) { return queue.push(value); }
    bool pop1(int16_t &value) { return queue.pop(value); }
    int64_t push(const int16_t *samples, int64_t count) { return int64_t(queue.push(samples, size_t(count))); }
    int64_t pop(int16_t *samples, int64_t count) { return int64_t(queue.pop(samples, size_t(count))); }
};

}  // namespace

extern "C" vhr_bench_result vhr_bench_boost_run(vhr_bench_config config) {
    // The queue is big (32 KiB inline); keep it off the stack.
    auto ring = std::make_unique<BoostRing>();
    return vhrbench::run_ring(config, *ring);
}
