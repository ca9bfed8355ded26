#include "elementwise.h"

// No FMA contraction here: GCC peels unaligned leading elements into scalar code, and a contracted scalar path rounds
// differently from the vector path, so results depended on where V8 placed the arrays (seen as 1-ULP run-to-run
// differences in Adam updates). Elementwise ops gain nothing from FMA; bit-for-bit determinism matters more.
#pragma GCC optimize("fp-contract=off")

#include <cmath>
#include <vector>

// Element-wise loops are written branch-free so the compiler vectorises them; target_clones builds an AVX-512,
// an AVX2 and a baseline copy and picks one at load time by CPUID.
#define SLIPWAY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace slipway {

SLIPWAY_CLONES void activation_backward(const float* dy, const float* y, Act act, float* out, long n) {
  switch (act) {
    case Act::Relu:
      for (long i = 0; i < n; i++) {
        const float d = dy[i];
        out[i] = y[i] > 0.0f ? d : 0.0f;
      }
      break;
    case Act::Sigmoid:
      for (long i = 0; i < n; i++) out[i] = dy[i] * (y[i] * (1.0f - y[i]));
      break;
    case Act::Tanh:
      for (long i = 0; i < n; i++) out[i] = dy[i] * (1.0f - y[i] * y[i]);
      break;
    default:
      if (out != dy)
        for (long i = 0; i < n; i++) out[i] = dy[i];
  }
}

SLIPWAY_CLONES void sum_rows(const float* x, long rows, int cols, float* out) {
  // Row-wise accumulation into a float64 row keeps the loop vectorisable and the sum accurate for long batches.
  std::vector<double> acc(cols, 0.0);
  for (long r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (int c = 0; c < cols; c++) acc[c] += row[c];
  }
  for (int c = 0; c < cols; c++) out[c] = static_cast<float>(acc[c]);
}

SLIPWAY_CLONES void adam_step(float* p, const float* g, float* m, float* v, long n, float lr_t, float b1, float b2, float eps) {
  const float c1 = 1.0f - b1, c2 = 1.0f - b2;
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr_t * mi / (std::sqrt(vi) + eps);
  }
}

}  // namespace slipway
