// The GEMM micro-kernels: an MR x NR block of C kept in registers while a packed A panel (MR floats per k) and a
// packed B panel (NR floats per k) stream through. Compiled with per-function target attributes and chosen at
// run time, so the addon needs no -march flag.
#include "micro-kernels.h"

#include <immintrin.h>

namespace slipway {
namespace {

// AVX-512: 8 rows x 32 columns = 16 zmm accumulators, 2 B vectors and one broadcast per row.
__attribute__((target("avx512f"))) void ukr_avx512(int kc, const float* a, const float* b, float* c, long ldc, bool acc) {
  __m512 r[8][2];
  for (int i = 0; i < 8; i++) r[i][0] = r[i][1] = _mm512_setzero_ps();
  for (int p = 0; p < kc; p++) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
      __m512 av = _mm512_set1_ps(a[i]);
      r[i][0] = _mm512_fmadd_ps(av, b0, r[i][0]);
      r[i][1] = _mm512_fmadd_ps(av, b1, r[i][1]);
    }
    a += 8;
    b += 32;
  }
  for (int i = 0; i < 8; i++) {
    float* ci = c + i * ldc;
    if (acc) {
      r[i][0] = _mm512_add_ps(r[i][0], _mm512_loadu_ps(ci));
      r[i][1] = _mm512_add_ps(r[i][1], _mm512_loadu_ps(ci + 16));
    }
    _mm512_storeu_ps(ci, r[i][0]);
    _mm512_storeu_ps(ci + 16, r[i][1]);
  }
}

// AVX2+FMA: 6 rows x 16 columns = 12 ymm accumulators.
__attribute__((target("avx2,fma"))) void ukr_avx2(int kc, const float* a, const float* b, float* c, long ldc, bool acc) {
  __m256 r[6][2];
  for (int i = 0; i < 6; i++) r[i][0] = r[i][1] = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < 6; i++) {
      __m256 av = _mm256_broadcast_ss(a + i);
      r[i][0] = _mm256_fmadd_ps(av, b0, r[i][0]);
      r[i][1] = _mm256_fmadd_ps(av, b1, r[i][1]);
    }
    a += 6;
    b += 16;
  }
  for (int i = 0; i < 6; i++) {
    float* ci = c + i * ldc;
    if (acc) {
      r[i][0] = _mm256_add_ps(r[i][0], _mm256_loadu_ps(ci));
      r[i][1] = _mm256_add_ps(r[i][1], _mm256_loadu_ps(ci + 8));
    }
    _mm256_storeu_ps(ci, r[i][0]);
    _mm256_storeu_ps(ci + 8, r[i][1]);
  }
}

// Portable: 4 x 8, plain loops the compiler may vectorise with the baseline ISA.
void ukr_plain(int kc, const float* a, const float* b, float* c, long ldc, bool acc) {
  float r[4][8] = {};
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 8; j++) r[i][j] += a[i] * b[j];
    a += 4;
    b += 8;
  }
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 8; j++) c[i * ldc + j] = acc ? c[i * ldc + j] + r[i][j] : r[i][j];
}

// Row-pointer variants of the micro-kernels: A is read in place through one pointer per row (see gemm_rowptr).

__attribute__((target("avx512f"))) void rk_avx512(int nseg, int seg_len, long seg_stride, const float* const* rows, const float* b,
                                                  float* c, long ldc) {
  __m512 r[8][2];
  const float* a[8];
  for (int i = 0; i < 8; i++) {
    r[i][0] = r[i][1] = _mm512_setzero_ps();
    a[i] = rows[i];
  }
  for (int s = 0; s < nseg; s++) {
    const long off = s * seg_stride;
    for (int p = 0; p < seg_len; p++) {
      __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
      for (int i = 0; i < 8; i++) {
        __m512 av = _mm512_set1_ps(a[i][off + p]);
        r[i][0] = _mm512_fmadd_ps(av, b0, r[i][0]);
        r[i][1] = _mm512_fmadd_ps(av, b1, r[i][1]);
      }
      b += 32;
    }
  }
  for (int i = 0; i < 8; i++) {
    _mm512_storeu_ps(c + i * ldc, r[i][0]);
    _mm512_storeu_ps(c + i * ldc + 16, r[i][1]);
  }
}

__attribute__((target("avx2,fma"))) void rk_avx2(int nseg, int seg_len, long seg_stride, const float* const* rows, const float* b,
                                                 float* c, long ldc) {
  __m256 r[6][2];
  const float* a[6];
  for (int i = 0; i < 6; i++) {
    r[i][0] = r[i][1] = _mm256_setzero_ps();
    a[i] = rows[i];
  }
  for (int s = 0; s < nseg; s++) {
    const long off = s * seg_stride;
    for (int p = 0; p < seg_len; p++) {
      __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
      for (int i = 0; i < 6; i++) {
        __m256 av = _mm256_broadcast_ss(a[i] + off + p);
        r[i][0] = _mm256_fmadd_ps(av, b0, r[i][0]);
        r[i][1] = _mm256_fmadd_ps(av, b1, r[i][1]);
      }
      b += 16;
    }
  }
  for (int i = 0; i < 6; i++) {
    _mm256_storeu_ps(c + i * ldc, r[i][0]);
    _mm256_storeu_ps(c + i * ldc + 8, r[i][1]);
  }
}

void rk_plain(int nseg, int seg_len, long seg_stride, const float* const* rows, const float* b, float* c, long ldc) {
  float r[4][8] = {};
  for (int s = 0; s < nseg; s++)
    for (int p = 0; p < seg_len; p++) {
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) r[i][j] += rows[i][s * seg_stride + p] * b[j];
      b += 8;
    }
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 8; j++) c[i * ldc + j] = r[i][j];
}

}  // namespace

const Micro kMicro[3] = {{4, 8, ukr_plain, rk_plain}, {6, 16, ukr_avx2, rk_avx2}, {8, 32, ukr_avx512, rk_avx512}};

}  // namespace slipway
