// Register-tiled SGEMM micro-kernels (AVX-512 8x32, AVX2+FMA 6x16, portable 4x8), indexed by Simd level.
#pragma once

namespace slipway {

/** C[MR x NR] (+)= packed A panel (kc x MR) * packed B panel (kc x NR); C has row stride ldc. */
using MicroKernel = void (*)(int kc, const float* a, const float* b, float* c, long ldc, bool acc);
/** C[MR x NR] = A * B panel where A row i is nseg runs of seg_len floats at rows[i] + s * seg_stride. */
using RowKernel = void (*)(int nseg, int seg_len, long seg_stride, const float* const* rows, const float* b, float* c, long ldc);

struct Micro {
  int mr;
  int nr;
  MicroKernel fn;
  RowKernel rows;
};

/** The micro-kernels for Simd::None, Simd::Avx2 and Simd::Avx512, in that order. */
extern const Micro kMicro[3];

}  // namespace slipway
