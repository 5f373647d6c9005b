// Test-only: counts heap allocations on the calling thread (issue 3).
//
// The target overrides malloc, calloc, realloc, free, posix_memalign, aligned_alloc and memalign
// for the whole test process; each forwards to glibc's own implementation (__libc_malloc and
// friends) and bumps a per-thread counter. Under the thread or address sanitizer, which bring their
// own allocators, nothing is overridden and `vhr_allocation_counting_available()` returns 0.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 if allocations are being counted in this build, 0 under a sanitizer.
int vhr_allocation_counting_available(void);

/// Allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by the
/// calling thread since its last `vhr_allocation_reset()`.
uint64_t vhr_allocation_count(void);

/// Resets the calling thread's count to zero.
void vhr_allocation_reset(void);

#ifdef __cplusplus
}
#endif
