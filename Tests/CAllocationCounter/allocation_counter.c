// Test-only allocation counter: see include/allocation_counter.h.
//
// Defining malloc and friends in the test executable interposes them for every library in the
// process (the executable's symbols come first). Each forwards to glibc's exported __libc_*
// entry points, so no dlsym (which itself allocates) is needed. The counter is a per-thread
// initial-exec TLS variable: reading it never allocates, so the hook cannot recurse.
#include "allocation_counter.h"

#include <errno.h>
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define VHR_ALLOCATION_COUNTER_DISABLED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define VHR_ALLOCATION_COUNTER_DISABLED 1
#endif

#ifdef VHR_ALLOCATION_COUNTER_DISABLED

// The sanitizers replace the allocator themselves: pass through (by not overriding) and say so.
int vhr_allocation_counting_available(void) { return 0; }
uint64_t vhr_allocation_count(void) { return 0; }
void vhr_allocation_reset(void) {}

#else

static _Thread_local uint64_t allocations __attribute__((tls_model("initial-exec")));

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

int vhr_allocation_counting_available(void) { return 1; }
uint64_t vhr_allocation_count(void) { return allocations; }
void vhr_allocation_reset(void) { allocations = 0; }

void *malloc(size_t size) {
    allocations += 1;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    allocations += 1;
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    allocations += 1;
    return __libc_realloc(pointer, size);
}

void free(void *pointer) { __libc_free(pointer); }

void *memalign(size_t alignment, size_t size) {
    allocations += 1;
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    allocations += 1;
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    // glibc's rules: a power of two multiple of sizeof(void *).
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL && size != 0) return ENOMEM;
    allocations += 1;
    *result = pointer;
    return 0;
}

#endif
