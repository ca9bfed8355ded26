// Packed, blocked single-precision GEMM (BLIS-style: B packed into NR-wide panels, A into MR-tall panels, an
// MR x NR register-tiled micro-kernel) with AVX-512 / AVX2+FMA / portable micro-kernels chosen at run time.
#pragma once
#include <cstddef>
#include <functional>

namespace slipway {

enum class Simd { None = 0, Avx2 = 1, Avx512 = 2 };

/** Best SIMD level this CPU supports. */
Simd detect_simd();
/** Level in use (detected by default); `set_simd` may only lower it (tests and benchmarks compare the paths). */
Simd current_simd();
Simd set_simd(Simd wanted);

/** A matrix view: element (i, j) is at data[i * rs + j * cs]. */
struct MatView {
  const float* data;
  long rs;
  long cs;
};

/** B packed for the current micro-kernel: all of k, columns [0, n). */
struct PackedB {
  float* data = nullptr;
  int k = 0;
  int n = 0;
  int npad = 0;  // n rounded up to NR
  int nr = 0;
};

/** Floats needed to pack a k x n B. */
size_t packed_b_floats(int k, int n);
/** Packs B (k x n) into `out` (packed_b_floats(k, n) floats, 64-byte aligned). */
PackedB pack_b(MatView b, int k, int n, float* out);

/**
 * C[m x n, row stride ldc] (+)= A[m x k] * packed B, over the column range [n0, n1) of B (n0 a multiple of the
 * micro-kernel's NR). Single-threaded; callers parallelise over rows or column ranges.
 */
void gemm_packed(int m, int n0, int n1, MatView a, const PackedB& b, float* c, long ldc, bool accumulate);

/**
 * Writes rows [i0, i0 + mc) x columns [p0, p0 + kc) of A as consecutive MR-tall panels (element (i, p) of a panel
 * at p * mr + i; rows past m are zero). Lets convolutions pack image patches straight from the input (no im2col).
 */
using PackA = std::function<void(int i0, int mc, int p0, int kc, int mr, float* out)>;
void gemm_packed(int m, int n0, int n1, const PackA& pack, const PackedB& b, float* c, long ldc, bool accumulate);

/**
 * Packs a B that is not stored as a matrix: `row(p, j0, cols, dst)` writes B[p, j0 .. j0 + cols) to dst. Same
 * layout as pack_b (used to pack image patches for the filter gradient without an im2col copy).
 */
using RowB = std::function<void(int p, int j0, int cols, float* dst)>;
PackedB pack_b_rows(const RowB& row, int k, int n, float* out);

/** Like pack_b, but returns a view of B itself when its rows already are the packed layout (n == NR, dense). */
PackedB pack_b_or_view(MatView b, int k, int n, float* out);

/** Packs B (k x n) as one K block (kc = k), the layout `gemm_rowptr` reads. */
PackedB pack_b_whole(MatView b, int k, int n, float* out);

/**
 * C[m x n] = A * B (overwrites) where row i of A is not stored but read from the input in place: `nseg` segments
 * of `seg_len` contiguous floats at rows[i] + s * seg_stride. A valid convolution over NHWC is exactly this (one
 * segment per filter row), so its forward pass needs neither im2col nor packing of A. B from pack_b_whole.
 */
void gemm_rowptr(int m, int n, const float* const* rows, int nseg, int seg_len, long seg_stride, const PackedB& b, float* c,
                 long ldc);

/** The public GEMM (Kernels.gemm): C = op(A) op(B) (+ C), parallel over the pool. */
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, const float* b, float* c, bool accumulate);

/** A 64-byte aligned scratch buffer per thread, grown on demand (slot 0..3 for independent uses). */
float* scratch(int slot, size_t floats);

}  // namespace slipway
