// A small persistent thread pool: workers sleep on a condition variable between jobs, spin briefly after each job
// (a training step issues many short kernels back to back), and the calling thread takes part in every job.
#pragma once
#include <functional>

namespace slipway {

/** Starts the pool once with `threads` workers in total (0 = physical cores); returns the size actually used. */
int pool_init(int threads);
/** Threads in the pool (including the caller). */
int pool_threads();
/**
 * Runs task(i) for i in [0, tasks) across the pool and waits for all of them. A second caller that arrives while a
 * job is running (e.g. another worker_thread) runs its tasks serially instead of waiting.
 */
void parallel_for(int tasks, const std::function<void(int)>& task);

/** Splits [0, n) into chunks of at least `grain` (multiples of 16) and runs fn(begin, end) on each in parallel. */
void parallel_range(long n, long grain, const std::function<void(long, long)>& fn);

}  // namespace slipway
