#include "thread-pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace slipway {
namespace {

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable wake;
  std::condition_variable done;
  const std::function<void(int)>* job = nullptr;
  int tasks = 0;
  std::atomic<int> next{0};
  std::atomic<int> finished{0};
  std::atomic<unsigned> generation{0};
  int running = 0;    // workers inside the current job (guarded by mu)
  bool open = false;  // the current job still accepts workers (guarded by mu)
  std::exception_ptr error;  // first exception a task threw (guarded by mu), rethrown to the caller
  bool stop = false;
  std::mutex dispatch;  // one job at a time
  int size = 1;
};

Pool* pool = nullptr;
std::once_flag pool_once;

// Physical cores this process may run on: distinct (package, core) pairs among the CPUs in our affinity mask.
int physical_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int allowed = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) allowed = CPU_COUNT(&set);
  if (allowed <= 0) allowed = static_cast<int>(std::thread::hardware_concurrency());
  std::set<std::pair<int, int>> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET(cpu, &set)) continue;
    auto read = [&](const char* what) {
      std::string p = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/" + what;
      FILE* f = std::fopen(p.c_str(), "r");
      int v = -1;
      if (f) {
        if (std::fscanf(f, "%d", &v) != 1) v = -1;
        std::fclose(f);
      }
      return v;
    };
    int core = read("core_id"), pkg = read("physical_package_id");
    if (core < 0) return allowed > 0 ? allowed : 1;
    cores.insert({pkg, core});
  }
  int n = static_cast<int>(cores.size());
  return n > 0 ? n : (allowed > 0 ? allowed : 1);
}

void run_tasks(Pool& p, const std::function<void(int)>& job, int tasks) {
  for (;;) {
    int i = p.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= tasks) break;
    try {
      job(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(p.mu);
      if (!p.error) p.error = std::current_exception();
    }
    p.finished.fetch_add(1, std::memory_order_release);
  }
}

void worker_loop(Pool& p) {
  unsigned seen = 0;
  for (;;) {
    // Spin a little for the next job before sleeping: kernels of one training step follow each other closely.
    for (int spin = 0; spin < 8000 && p.generation.load(std::memory_order_acquire) == seen; spin++) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    const std::function<void(int)>* job;
    int tasks;
    {
      std::unique_lock<std::mutex> lock(p.mu);
      p.wake.wait(lock, [&] { return p.stop || p.generation.load(std::memory_order_relaxed) != seen; });
      if (p.stop) return;
      seen = p.generation.load(std::memory_order_relaxed);
      // A worker that wakes after the caller closed the job must not touch it: its task function is gone, and the
      // shared counters may already belong to the next job.
      if (!p.open) continue;
      job = p.job;
      tasks = p.tasks;
      p.running++;
    }
    run_tasks(p, *job, tasks);
    {
      std::lock_guard<std::mutex> lock(p.mu);
      p.running--;
    }
    p.done.notify_all();
  }
}

}  // namespace

int pool_init(int threads) {
  std::call_once(pool_once, [threads] {
    pool = new Pool();  // never freed: workers live for the process
    int n = threads > 0 ? threads : physical_cores();
    if (n > 256) n = 256;
    pool->size = n;
    for (int i = 1; i < n; i++) pool->workers.emplace_back([] { worker_loop(*pool); });
    for (auto& t : pool->workers) t.detach();
  });
  return pool->size;
}

int pool_threads() { return pool ? pool->size : 1; }

void parallel_for(int tasks, const std::function<void(int)>& task) {
  if (tasks <= 0) return;
  if (!pool || pool->size <= 1 || tasks == 1) {
    for (int i = 0; i < tasks; i++) task(i);
    return;
  }
  Pool& p = *pool;
  std::unique_lock<std::mutex> guard(p.dispatch, std::try_to_lock);
  if (!guard.owns_lock()) {
    for (int i = 0; i < tasks; i++) task(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.job = &task;
    p.tasks = tasks;
    p.next.store(0, std::memory_order_relaxed);
    p.finished.store(0, std::memory_order_relaxed);
    p.open = true;
    p.generation.fetch_add(1, std::memory_order_release);
  }
  p.wake.notify_all();
  run_tasks(p, task, tasks);
  // Wait until every task finished and no worker still holds a reference to `task`.
  // Spin briefly, then yield: on an oversubscribed machine a spinning caller would take the core from the worker
  // it waits for.
  for (int spin = 0; p.finished.load(std::memory_order_acquire) < tasks; spin++) {
    if (spin < 4000) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
  std::unique_lock<std::mutex> lock(p.mu);
  p.open = false;
  p.done.wait(lock, [&] { return p.running == 0; });
  if (p.error) {
    std::exception_ptr e = p.error;
    p.error = nullptr;
    std::rethrow_exception(e);
  }
}

void parallel_range(long n, long grain, const std::function<void(long, long)>& fn) {
  if (n <= 0) return;
  const int threads = pool_threads();
  long chunks = std::min<long>(threads * 2L, n / std::max(1L, grain));
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  const long per = ((n + chunks - 1) / chunks + 15) / 16 * 16;
  chunks = (n + per - 1) / per;
  parallel_for(static_cast<int>(chunks), [&](int t) { fn(t * per, std::min(n, (t + 1) * per)); });
}

}  // namespace slipway
