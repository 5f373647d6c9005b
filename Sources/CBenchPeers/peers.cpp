// Filled in by the benchmark work (issue 3).
#include "vhr_bench_peers.h"
