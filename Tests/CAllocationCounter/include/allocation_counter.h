// Test-only: counts heap allocations on the calling thread (issue 3).
#pragma once
