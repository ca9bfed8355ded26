#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "micro-kernels.h"
#include "thread-pool.h"

namespace slipway {
namespace {

std::atomic<int> g_simd{-1};

const Micro& micro() { return kMicro[static_cast<int>(current_simd())]; }

// K is cut into balanced blocks of at most kKcMax (a B micro-panel of kc x NR floats stays in L2; the CNN's
// K = 288 is one block, so C is written once).
constexpr int kKcMax = 384;
constexpr int kMcMax = 144;

int kc_block(int k) {
  int blocks = (k + kKcMax - 1) / kKcMax;
  if (blocks < 1) blocks = 1;
  return (k + blocks - 1) / blocks;
}

void pack_a(MatView a, int i0, int mc, int p0, int kc, int mr, float* out) {
  for (int ip = 0; ip < mc; ip += mr) {
    int rows = std::min(mr, mc - ip);
    for (int p = 0; p < kc; p++) {
      const float* src = a.data + (i0 + ip) * a.rs + (p0 + p) * a.cs;
      int r = 0;
      for (; r < rows; r++) out[r] = src[r * a.rs];
      for (; r < mr; r++) out[r] = 0.0f;
      out += mr;
    }
  }
}

}  // namespace

Simd detect_simd() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return Simd::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Simd::Avx2;
  return Simd::None;
}

Simd current_simd() {
  int s = g_simd.load(std::memory_order_relaxed);
  if (s < 0) {
    s = static_cast<int>(detect_simd());
    g_simd.store(s, std::memory_order_relaxed);
  }
  return static_cast<Simd>(s);
}

Simd set_simd(Simd wanted) {
  Simd best = detect_simd();
  Simd s = static_cast<int>(wanted) < static_cast<int>(best) ? wanted : best;
  g_simd.store(static_cast<int>(s), std::memory_order_relaxed);
  return s;
}

float* scratch(int slot, size_t floats) {
  struct Buf {
    float* p = nullptr;
    size_t n = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf bufs[4];
  Buf& b = bufs[slot];
  if (b.n < floats) {
    std::free(b.p);
    size_t n = std::max(floats, b.n * 2);
    b.p = static_cast<float*>(std::aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64));
    if (!b.p) throw std::bad_alloc();
    b.n = n;
  }
  return b.p;
}

size_t packed_b_floats(int k, int n) {
  int nr = micro().nr;
  return static_cast<size_t>(k) * static_cast<size_t>((n + nr - 1) / nr * nr) + 64;
}

namespace {
PackedB pack_b_blocks(MatView b, int k, int n, float* out, int kc_max) {
  const int nr = micro().nr;
  PackedB pb;
  pb.data = out;
  pb.k = k;
  pb.n = n;
  pb.nr = nr;
  pb.npad = (n + nr - 1) / nr * nr;
  // Layout: for each K block starting at p0 (size kc): the panels j = 0.. of kc x NR floats, at p0 * npad.
  for (int p0 = 0; p0 < k; p0 += kc_max) {
    int kc = std::min(kc_max, k - p0);
    float* block = out + static_cast<size_t>(p0) * pb.npad;
    for (int j0 = 0; j0 < pb.npad; j0 += nr) {
      float* panel = block + static_cast<size_t>(j0) * kc;
      int cols = std::min(nr, n - j0);
      for (int p = 0; p < kc; p++) {
        const float* src = b.data + (p0 + p) * b.rs + j0 * b.cs;
        float* dst = panel + p * nr;
        if (b.cs == 1) {
          std::memcpy(dst, src, sizeof(float) * cols);
        } else {
          for (int j = 0; j < cols; j++) dst[j] = src[j * b.cs];
        }
        for (int j = cols; j < nr; j++) dst[j] = 0.0f;
      }
    }
  }
  return pb;
}
}  // namespace

PackedB pack_b(MatView b, int k, int n, float* out) { return pack_b_blocks(b, k, n, out, kc_block(k)); }

PackedB pack_b_rows(const RowB& row, int k, int n, float* out) {
  const int nr = micro().nr;
  PackedB pb;
  pb.data = out;
  pb.k = k;
  pb.n = n;
  pb.nr = nr;
  pb.npad = (n + nr - 1) / nr * nr;
  const int kc_max = kc_block(k);
  for (int p0 = 0; p0 < k; p0 += kc_max) {
    const int kc = std::min(kc_max, k - p0);
    float* block = out + static_cast<size_t>(p0) * pb.npad;
    for (int j0 = 0; j0 < pb.npad; j0 += nr) {
      float* panel = block + static_cast<size_t>(j0) * kc;
      const int cols = std::min(nr, n - j0);
      for (int p = 0; p < kc; p++) {
        float* dst = panel + p * nr;
        row(p0 + p, j0, cols, dst);
        for (int j = cols; j < nr; j++) dst[j] = 0.0f;
      }
    }
  }
  return pb;
}

PackedB pack_b_or_view(MatView b, int k, int n, float* out) {
  const int nr = micro().nr;
  if (n == nr && b.cs == 1 && b.rs == n) {
    PackedB pb;
    pb.data = const_cast<float*>(b.data);  // read only: gemm never writes B
    pb.k = k;
    pb.n = n;
    pb.npad = n;
    pb.nr = nr;
    return pb;
  }
  return pack_b(b, k, n, out);
}

PackedB pack_b_whole(MatView b, int k, int n, float* out) { return pack_b_blocks(b, k, n, out, k > 0 ? k : 1); }

void gemm_rowptr(int m, int n, const float* const* rows, int nseg, int seg_len, long seg_stride, const PackedB& b, float* c,
                 long ldc) {
  const Micro& mk = micro();
  const int mr = mk.mr, nr = mk.nr;
  const int k = nseg * seg_len;
  alignas(64) float tmp[8 * 32];
  for (int j0 = 0; j0 < n; j0 += nr) {
    const float* bp = b.data + static_cast<size_t>(j0) * k;
    const int cols = std::min(nr, n - j0);
    for (int i0 = 0; i0 < m; i0 += mr) {
      const int rws = std::min(mr, m - i0);
      float* cij = c + i0 * ldc + j0;
      if (rws == mr && cols == nr) {
        mk.rows(nseg, seg_len, seg_stride, rows + i0, bp, cij, ldc);
      } else {
        const float* last[8];
        for (int i = 0; i < mr; i++) last[i] = rows[i0 + std::min(i, rws - 1)];
        mk.rows(nseg, seg_len, seg_stride, last, bp, tmp, nr);
        for (int i = 0; i < rws; i++)
          for (int j = 0; j < cols; j++) cij[i * ldc + j] = tmp[i * nr + j];
      }
    }
  }
}

void gemm_packed(int m, int n0, int n1, MatView a, const PackedB& b, float* c, long ldc, bool accumulate) {
  gemm_packed(
      m, n0, n1, [&a](int i0, int mc, int p0, int kc, int mr, float* out) { pack_a(a, i0, mc, p0, kc, mr, out); }, b, c, ldc,
      accumulate);
}

void gemm_packed(int m, int n0, int n1, const PackA& pack, const PackedB& b, float* c, long ldc, bool accumulate) {
  const Micro& mk = micro();
  const int mr = mk.mr, nr = mk.nr;
  const int k = b.k;
  if (m <= 0 || n1 <= n0) return;
  if (k == 0) {
    if (!accumulate)
      for (int i = 0; i < m; i++) std::memset(c + i * ldc + n0, 0, sizeof(float) * (n1 - n0));
    return;
  }
  const int kc_max = kc_block(k);
  const int mc_max = std::max(mr, kMcMax / mr * mr);
  float* abuf = scratch(0, static_cast<size_t>(mc_max) * kc_max);
  alignas(64) float tmp[8 * 32];
  for (int p0 = 0; p0 < k; p0 += kc_max) {
    const int kc = std::min(kc_max, k - p0);
    const bool acc = accumulate || p0 > 0;
    const float* bblock = b.data + static_cast<size_t>(p0) * b.npad;
    for (int i0 = 0; i0 < m; i0 += mc_max) {
      const int mc = std::min(mc_max, m - i0);
      pack(i0, mc, p0, kc, mr, abuf);
      for (int j0 = n0; j0 < n1; j0 += nr) {
        const float* bp = bblock + static_cast<size_t>(j0) * kc;
        const int cols = std::min(nr, n1 - j0);
        for (int ip = 0; ip < mc; ip += mr) {
          const int rows = std::min(mr, mc - ip);
          float* cij = c + (i0 + ip) * ldc + j0;
          const float* ap = abuf + static_cast<size_t>(ip) * kc;
          if (rows == mr && cols == nr) {
            mk.fn(kc, ap, bp, cij, ldc, acc);
          } else {
            mk.fn(kc, ap, bp, tmp, nr, false);
            for (int i = 0; i < rows; i++)
              for (int j = 0; j < cols; j++) cij[i * ldc + j] = acc ? cij[i * ldc + j] + tmp[i * nr + j] : tmp[i * nr + j];
          }
        }
      }
    }
  }
}

namespace {
// At most this many rows of A take the unpacked path below.
constexpr int kFewRows = 4;

// A few rows (a batch-1 dense layer in a model server): packing B into NR-wide panels would copy and pad all of B
// for a single pass over it (1600 x 10 became 1600 x 32 floats per call). B is read in place instead, with the
// micro-kernels' arithmetic: per K block, a fused multiply-add chain from zero over p, then stored or added to C.
// The results are therefore bit-for-bit those of the packed path (both FMA levels), whatever the batch size.
__attribute__((target("avx2,fma"))) void gemm_few_rows(int m, int n, int k, MatView a, const float* b, long ldb, float* c,
                                                        bool accumulate) {
  const int kc_max = kc_block(k);
  thread_local std::vector<float> acc_row;
  acc_row.resize(n);
  float* r = acc_row.data();
  for (int i = 0; i < m; i++) {
    float* ci = c + static_cast<long>(i) * n;
    const float* ai = a.data + i * a.rs;
    for (int p0 = 0; p0 < k; p0 += kc_max) {
      const int kc = std::min(kc_max, k - p0);
      // Eight columns at a time in one register, down the whole block; the last n % 8 columns one by one.
      int j = 0;
      for (; j + 8 <= n; j += 8) {
        __m256 acc = _mm256_setzero_ps();
        for (int p = p0; p < p0 + kc; p++) acc = _mm256_fmadd_ps(_mm256_set1_ps(ai[p * a.cs]), _mm256_loadu_ps(b + p * ldb + j), acc);
        _mm256_storeu_ps(r + j, acc);
      }
      for (; j < n; j++) {
        float acc = 0.0f;
        for (int p = p0; p < p0 + kc; p++) acc = std::fma(ai[p * a.cs], b[p * ldb + j], acc);
        r[j] = acc;
      }
      if (accumulate || p0 > 0)
        for (int j = 0; j < n; j++) ci[j] += r[j];
      else
        std::copy(r, r + n, ci);
    }
  }
}
}  // namespace

void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, const float* b, float* c, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  MatView av{a, trans_a ? 1L : static_cast<long>(k), trans_a ? static_cast<long>(m) : 1L};
  MatView bv{b, trans_b ? 1L : static_cast<long>(n), trans_b ? static_cast<long>(k) : 1L};
  if (m <= kFewRows && !trans_b && k > 0 && current_simd() != Simd::None) {
    gemm_few_rows(m, n, k, av, b, n, c, accumulate);
    return;
  }
  float* bbuf = scratch(1, packed_b_floats(k, n));
  PackedB pb = pack_b_or_view(bv, k, n, bbuf);
  const double flops = 2.0 * m * n * k;
  const int threads = pool_threads();
  const int mr = micro().mr, nr = pb.nr;
  if (threads <= 1 || flops < 4e5) {
    gemm_packed(m, 0, n, av, pb, c, n, accumulate);
    return;
  }
  // Split the larger of m and n into contiguous ranges aligned to the micro-tile, a few per thread so a thread
  // that gets descheduled on a busy machine does not hold everyone up. Every element is computed the same way
  // whatever the split, so results do not depend on the thread count.
  if (m / mr >= n / nr) {
    int tasks = std::min(threads * 4, (m + mr - 1) / mr);
    int per = ((m + tasks - 1) / tasks + mr - 1) / mr * mr;
    parallel_for(tasks, [&](int t) {
      int i0 = t * per, i1 = std::min(m, i0 + per);
      if (i0 >= i1) return;
      MatView at{av.data + i0 * av.rs, av.rs, av.cs};
      gemm_packed(i1 - i0, 0, n, at, pb, c + static_cast<long>(i0) * n, n, accumulate);
    });
  } else {
    int panels = (n + nr - 1) / nr;
    int tasks = std::min(threads * 4, panels);
    int per = (panels + tasks - 1) / tasks;
    parallel_for(tasks, [&](int t) {
      int j0 = t * per * nr, j1 = std::min(n, j0 + per * nr);
      if (j0 >= j1) return;
      gemm_packed(m, j0, j1, av, pb, c, n, accumulate);
    });
  }
}

}  // namespace slipway
