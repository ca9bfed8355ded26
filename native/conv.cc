#include "conv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "thread-pool.h"

namespace slipway {
namespace {

// Partial sums of a reduction over the batch (filter gradients): a fixed number, whatever the thread count.
constexpr long kReductionTasks = 8;

// Rows of the im2col matrix processed per task: a few hundred rows x K floats stays in L2.
int chunk_rows(int k) { return std::max(32, std::min(512, 98304 / std::max(1, k))); }

// A run of patch columns [p, p + len) that all come from one filter tap (kh, kw), channels [c, c + len).
struct Run {
  int kh, kw, c, len, p;
};

// Splits patch columns [p0, p0 + kc) into runs of one tap each.
void tap_runs(const Geo& g, int p0, int kc, std::vector<Run>& runs) {
  runs.clear();
  for (int p = p0; p < p0 + kc;) {
    const int tap = p / g.in_c, c = p % g.in_c;
    const int len = std::min(g.in_c - c, p0 + kc - p);
    runs.push_back({tap / g.k_w, tap % g.k_w, c, len, p - p0});
    p += len;
  }
}

// Packs A = im2col(x) rows [row0 + i0, +mc) straight from the image (the forward pass's left operand).
void pack_patch_rows(const Geo& g, const float* x, long row0, int i0, int mc, int p0, int kc, int mr, float* out) {
  thread_local std::vector<Run> runs;
  tap_runs(g, p0, kc, runs);
  const long hw = static_cast<long>(g.out_h) * g.out_w;
  for (int ip = 0; ip < mc; ip += mr) {
    const int rows = std::min(mr, mc - ip);
    for (int r = 0; r < mr; r++) {
      float* o = out + r;
      if (r >= rows) {
        for (int p = 0; p < kc; p++) o[p * mr] = 0.0f;
        continue;
      }
      const long row = row0 + i0 + ip + r;
      const long n = row / hw;
      const int rem = static_cast<int>(row % hw);
      const int h0 = (rem / g.out_w) * g.stride_h - g.pad_top, w0 = (rem % g.out_w) * g.stride_w - g.pad_left;
      const float* img = x + n * g.in_h * g.in_w * g.in_c;
      for (const Run& run : runs) {
        const int ih = h0 + run.kh, iw = w0 + run.kw;
        float* d = o + static_cast<long>(run.p) * mr;
        if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) {
          for (int j = 0; j < run.len; j++) d[j * mr] = 0.0f;
        } else {
          const float* src = img + (static_cast<long>(ih) * g.in_w + iw) * g.in_c + run.c;
          for (int j = 0; j < run.len; j++) d[j * mr] = src[j];
        }
      }
    }
    out += static_cast<long>(mr) * kc;
  }
}

// Packs A = im2col(x)^T: rows are patch columns [i0, +mc), columns are image rows [row0 + p0, +kc) (the filter
// gradient's left operand).
void pack_patch_cols(const Geo& g, const float* x, long row0, int i0, int mc, int p0, int kc, int mr, float* out) {
  struct Pixel {
    const float* img;
    int h0, w0;
  };
  thread_local std::vector<Run> runs;
  thread_local std::vector<Pixel> pixels;
  const int K = g.k_h * g.k_w * g.in_c;
  const long hw = static_cast<long>(g.out_h) * g.out_w;
  // Decode each image row once for all panels.
  pixels.resize(kc);
  for (int p = 0; p < kc; p++) {
    const long row = row0 + p0 + p;
    const long n = row / hw;
    const int rem = static_cast<int>(row % hw);
    pixels[p] = {x + n * g.in_h * g.in_w * g.in_c, (rem / g.out_w) * g.stride_h - g.pad_top, (rem % g.out_w) * g.stride_w - g.pad_left};
  }
  const bool inside = g.pad_top == 0 && g.pad_left == 0 && (g.out_h - 1) * g.stride_h + g.k_h <= g.in_h &&
                      (g.out_w - 1) * g.stride_w + g.k_w <= g.in_w;
  for (int ip = 0; ip < mc; ip += mr) {
    const int rows = std::min(mr, mc - ip);
    if (inside) {
      // Every tap is in bounds: each panel row is a fixed offset from the pixel's window origin.
      long offs[32];
      for (int r = 0; r < rows; r++) {
        const int kidx = i0 + ip + r, tap = kidx / g.in_c;
        offs[r] = (static_cast<long>(tap / g.k_w) * g.in_w + tap % g.k_w) * g.in_c + kidx % g.in_c;
      }
      for (int p = 0; p < kc; p++) {
        float* o = out + static_cast<long>(p) * mr;
        const Pixel& px = pixels[p];
        const float* base = px.img + (static_cast<long>(px.h0) * g.in_w + px.w0) * g.in_c;
        for (int r = 0; r < rows; r++) o[r] = base[offs[r]];
        for (int r = rows; r < mr; r++) o[r] = 0.0f;
      }
      out += static_cast<long>(mr) * kc;
      continue;
    }
    tap_runs(g, i0 + ip, std::min(rows, K - (i0 + ip)), runs);
    for (int p = 0; p < kc; p++) {
      float* o = out + static_cast<long>(p) * mr;
      const Pixel& px = pixels[p];
      for (const Run& run : runs) {
        const int ih = px.h0 + run.kh, iw = px.w0 + run.kw;
        float* d = o + run.p;
        if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) {
          for (int j = 0; j < run.len; j++) d[j] = 0.0f;
        } else {
          const float* src = px.img + (static_cast<long>(ih) * g.in_w + iw) * g.in_c + run.c;
          for (int j = 0; j < run.len; j++) d[j] = src[j];
        }
      }
      for (int r = rows; r < mr; r++) o[r] = 0.0f;
    }
    out += static_cast<long>(mr) * kc;
  }
}

inline float act1(float v, Act a) {
  switch (a) {
    case Act::Relu: return v > 0.0f ? v : 0.0f;
    case Act::Sigmoid: return 1.0f / (1.0f + std::exp(-v));
    case Act::Tanh: return std::tanh(v);
    default: return v;
  }
}

}  // namespace

// No FMA contraction in the auto-vectorised loops below: GCC peels unaligned leading elements into scalar code, and a
// contracted scalar path rounds differently from the vector one, so results would depend on array placement (see
// elementwise.cc). The GEMM micro-kernels use explicit FMA intrinsics and are unaffected.
#pragma GCC optimize("fp-contract=off")
#define SLIPWAY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

SLIPWAY_CLONES void bias_activation_rows(float* x, const float* bias, long r0, long r1, int cols, Act act) {
  for (long r = r0; r < r1; r++) {
    float* row = x + r * cols;
    if (bias) {
      if (act == Act::Relu) {
        for (int c = 0; c < cols; c++) {
          float v = row[c] + bias[c];
          row[c] = v > 0.0f ? v : 0.0f;
        }
      } else if (act == Act::Linear) {
        for (int c = 0; c < cols; c++) row[c] += bias[c];
      } else {
        for (int c = 0; c < cols; c++) row[c] = act1(row[c] + bias[c], act);
      }
    } else if (act == Act::Relu) {
      for (int c = 0; c < cols; c++) row[c] = row[c] > 0.0f ? row[c] : 0.0f;
    } else if (act != Act::Linear) {
      for (int c = 0; c < cols; c++) row[c] = act1(row[c], act);
    }
  }
}

namespace {
// True when every window lies inside the input (no padding is read), so patches can be read in place.
bool windows_inside(const Geo& g) {
  return g.pad_top == 0 && g.pad_left == 0 && (g.out_h == 0 || (g.out_h - 1) * g.stride_h + g.k_h <= g.in_h) &&
         (g.out_w == 0 || (g.out_w - 1) * g.stride_w + g.k_w <= g.in_w);
}
}  // namespace

void conv2d_forward(const Geo& g, const float* x, const float* w, const float* bias, Act act, float* out) {
  const int K = g.k_h * g.k_w * g.in_c, N = g.out_c;
  const long M = static_cast<long>(g.batch) * g.out_h * g.out_w;
  if (M == 0 || N == 0) return;
  const int rows = chunk_rows(K);
  const long tasks = (M + rows - 1) / rows;
  if (windows_inside(g) && K > 0) {
    // Implicit GEMM: each output pixel's patch is k_h runs of k_w * in_c contiguous floats of x, read in place.
    PackedB pb = pack_b_whole(MatView{w, N, 1}, K, N, scratch(1, packed_b_floats(K, N)));
    const long hw = static_cast<long>(g.out_h) * g.out_w;
    parallel_for(static_cast<int>(tasks), [&](int t) {
      const long r0 = static_cast<long>(t) * rows, r1 = std::min(M, r0 + rows);
      thread_local std::vector<const float*> ptrs;
      ptrs.resize(r1 - r0);
      for (long r = r0; r < r1; r++) {
        const long n = r / hw;
        const int rem = static_cast<int>(r % hw);
        const int ih = (rem / g.out_w) * g.stride_h, iw = (rem % g.out_w) * g.stride_w;
        ptrs[r - r0] = x + ((n * g.in_h + ih) * g.in_w + iw) * g.in_c;
      }
      gemm_rowptr(static_cast<int>(r1 - r0), N, ptrs.data(), g.k_h, g.k_w * g.in_c, static_cast<long>(g.in_w) * g.in_c, pb,
                  out + r0 * N, N);
      bias_activation_rows(out, bias, r0, r1, N, act);
    });
    return;
  }
  PackedB pb = pack_b(MatView{w, N, 1}, K, N, scratch(1, packed_b_floats(K, N)));
  parallel_for(static_cast<int>(tasks), [&](int t) {
    const long r0 = static_cast<long>(t) * rows, r1 = std::min(M, r0 + rows);
    const PackA pack = [&](int i0, int mc, int p0, int kc, int mr, float* o) { pack_patch_rows(g, x, r0, i0, mc, p0, kc, mr, o); };
    gemm_packed(static_cast<int>(r1 - r0), 0, N, pack, pb, out + r0 * N, N, false);
    bias_activation_rows(out, bias, r0, r1, N, act);
  });
}

void conv2d_backward_input(const Geo& g, const float* dy, const float* w, float* dx) {
  const int K = g.k_h * g.k_w * g.in_c, N = g.out_c;
  const int hw = g.out_h * g.out_w;
  const long in_img = static_cast<long>(g.in_h) * g.in_w * g.in_c;
  // dcol = dY (rows x outC) * W^T (outC x K), then scattered back (col2im) one image at a time so tasks never race.
  PackedB pb = pack_b(MatView{w, 1, N}, N, K, scratch(1, packed_b_floats(N, K)));
  parallel_for(g.batch, [&](int n) {
    float* dcol = scratch(2, static_cast<size_t>(hw) * K);
    gemm_packed(hw, 0, K, MatView{dy + static_cast<long>(n) * hw * N, N, 1}, pb, dcol, K, false);
    float* dxn = dx + n * in_img;
    std::memset(dxn, 0, sizeof(float) * in_img);
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) {
        const float* src = dcol + static_cast<long>(oh * g.out_w + ow) * K;
        for (int kh = 0; kh < g.k_h; kh++) {
          const int ih = oh * g.stride_h + kh - g.pad_top;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int kw = 0; kw < g.k_w; kw++) {
            const int iw = ow * g.stride_w + kw - g.pad_left;
            if (iw < 0 || iw >= g.in_w) continue;
            float* d = dxn + (static_cast<long>(ih) * g.in_w + iw) * g.in_c;
            const float* s = src + (kh * g.k_w + kw) * g.in_c;
            for (int c = 0; c < g.in_c; c++) d[c] += s[c];
          }
        }
      }
  });
}

namespace {
// Writes patch columns [j0, j0 + cols) of image row `row` (output pixel) to dst, zeros where padding is read.
void patch_segment(const Geo& g, const float* x, long row, int j0, int cols, float* dst) {
  const long hw = static_cast<long>(g.out_h) * g.out_w;
  const long n = row / hw;
  const int rem = static_cast<int>(row % hw);
  const int h0 = (rem / g.out_w) * g.stride_h - g.pad_top, w0 = (rem % g.out_w) * g.stride_w - g.pad_left;
  const float* img = x + n * g.in_h * g.in_w * g.in_c;
  for (int j = j0; j < j0 + cols;) {
    const int tap = j / g.in_c, c = j % g.in_c;
    const int len = std::min(g.in_c - c, j0 + cols - j);
    const int ih = h0 + tap / g.k_w, iw = w0 + tap % g.k_w;
    float* d = dst + (j - j0);
    if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) std::memset(d, 0, sizeof(float) * len);
    else std::memcpy(d, img + (static_cast<long>(ih) * g.in_w + iw) * g.in_c + c, sizeof(float) * len);
    j += len;
  }
}
}  // namespace

void conv2d_backward_filter(const Geo& g, const float* x, const float* dy, float* dw, float* db) {
  const int K = g.k_h * g.k_w * g.in_c, N = g.out_c;
  const long M = static_cast<long>(g.batch) * g.out_h * g.out_w;
  const int rows = chunk_rows(K);
  const long chunks = (M + rows - 1) / rows;
  // Wide patches (K >= 64): dW^T (N x K) = dY^T (N x rows) * im2col(x) (rows x K), so both operands pack with
  // contiguous copies. Narrow ones (e.g. a first layer, K = 9): dW (K x N) = im2col(x)^T * dY, patches packed from x.
  const bool transposed = K >= 64;
  // One partial per task over a fixed split of the rows (independent of the thread count, so results are too),
  // summed in task order at the end.
  const int tasks = static_cast<int>(std::max(1L, std::min<long>(kReductionTasks, chunks)));
  const size_t kn = static_cast<size_t>(K) * N;
  const size_t part = kn + N;
  std::vector<float> partials(static_cast<size_t>(tasks) * part, 0.0f);
  const long per = (chunks + tasks - 1) / tasks;
  parallel_for(tasks, [&](int t) {
    float* pw = partials.data() + t * part;
    float* pb_sum = pw + kn;
    bool first = true;
    for (long ch = t * per; ch < std::min(chunks, (t + 1) * per); ch++) {
      const long r0 = ch * rows, r1 = std::min(M, r0 + rows);
      const int rc = static_cast<int>(r1 - r0);
      const float* dyc = dy + r0 * N;
      if (transposed) {
        // B = im2col(x) rows, packed straight from x: each panel row is a few runs of contiguous channels.
        const RowB patch_row = [&](int p, int j0, int cols, float* dst) { patch_segment(g, x, r0 + p, j0, cols, dst); };
        PackedB pb = pack_b_rows(patch_row, rc, K, scratch(3, packed_b_floats(rows, K)));
        gemm_packed(N, 0, K, MatView{dyc, 1, N}, pb, pw, K, !first);
      } else {
        PackedB pb = pack_b_or_view(MatView{dyc, N, 1}, rc, N, scratch(3, packed_b_floats(rows, N)));
        const PackA pack = [&](int i0, int mc, int p0, int kc, int mr, float* o) { pack_patch_cols(g, x, r0, i0, mc, p0, kc, mr, o); };
        gemm_packed(K, 0, N, pack, pb, pw, N, !first);
      }
      first = false;
      for (int r = 0; r < rc; r++)
        for (int c = 0; c < N; c++) pb_sum[c] += dyc[static_cast<long>(r) * N + c];
    }
  });
  for (int kk = 0; kk < K; kk++)
    for (int c = 0; c < N; c++) {
      const size_t i = transposed ? static_cast<size_t>(c) * K + kk : static_cast<size_t>(kk) * N + c;
      float s = 0.0f;
      for (int t = 0; t < tasks; t++) s += partials[t * part + i];
      dw[static_cast<size_t>(kk) * N + c] = s;
    }
  if (db)
    for (int c = 0; c < N; c++) {
      float s = 0.0f;
      for (int t = 0; t < tasks; t++) s += partials[t * part + kn + c];
      db[c] = s;
    }
}

namespace {
// One output pixel's channels: the first maximum of the window wins (strictly greater replaces), like the reference.
SLIPWAY_CLONES void max_pool_pixel(const Geo& g, const float* __restrict x, long n, int oh, int ow, float* __restrict out,
                                   int* __restrict argmax) {
  const int C = g.in_c;
  const long first = ((n * g.in_h + oh * g.stride_h) * g.in_w + ow * g.stride_w) * C;
  for (int c = 0; c < C; c++) {
    out[c] = x[first + c];
    argmax[c] = static_cast<int>(first + c);
  }
  for (int kh = 0; kh < g.k_h; kh++)
    for (int kw = 0; kw < g.k_w; kw++) {
      if (kh == 0 && kw == 0) continue;
      const long i = ((n * g.in_h + oh * g.stride_h + kh) * g.in_w + ow * g.stride_w + kw) * C;
      for (int c = 0; c < C; c++) {
        const float v = x[i + c];
        const float cur = out[c];
        const int ci = argmax[c];
        const bool gt = v > cur;
        out[c] = gt ? v : cur;
        argmax[c] = gt ? static_cast<int>(i + c) : ci;
      }
    }
}
}  // namespace

void max_pool_forward(const Geo& g, const float* x, float* out, int* argmax) {
  const int C = g.in_c;
  const int T = g.batch >= 4 ? pool_threads() : 1;
  parallel_for(T, [&](int t) {
    for (int n = t; n < g.batch; n += T)
      for (int oh = 0; oh < g.out_h; oh++)
        for (int ow = 0; ow < g.out_w; ow++) {
          const long o = ((static_cast<long>(n) * g.out_h + oh) * g.out_w + ow) * C;
          max_pool_pixel(g, x, n, oh, ow, out + o, argmax + o);
        }
  });
}

void max_pool_scatter(const float* dy, const int* argmax, long n_out, float* dx) {
  for (long i = 0; i < n_out; i++) dx[argmax[i]] += dy[i];
}

void max_pool_backward(const float* dy, const int* argmax, long n_out, float* dx, long n_in) {
  std::memset(dx, 0, sizeof(float) * n_in);
  max_pool_scatter(dy, argmax, n_out, dx);
}

SLIPWAY_CLONES void avg_pool_forward(const Geo& g, const float* x, float* out) {
  const int C = g.in_c;
  const float scale = 1.0f / static_cast<float>(g.k_h * g.k_w);
  for (int n = 0; n < g.batch; n++)
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) {
        float* o = out + ((static_cast<long>(n) * g.out_h + oh) * g.out_w + ow) * C;
        for (int c = 0; c < C; c++) o[c] = 0.0f;
        for (int kh = 0; kh < g.k_h; kh++)
          for (int kw = 0; kw < g.k_w; kw++) {
            const float* i = x + ((static_cast<long>(n) * g.in_h + oh * g.stride_h + kh) * g.in_w + ow * g.stride_w + kw) * C;
            for (int c = 0; c < C; c++) o[c] += i[c];
          }
        for (int c = 0; c < C; c++) o[c] *= scale;
      }
}

SLIPWAY_CLONES void avg_pool_backward(const Geo& g, const float* dy, float* dx) {
  const int C = g.in_c;
  const float scale = 1.0f / static_cast<float>(g.k_h * g.k_w);
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.batch) * g.in_h * g.in_w * C);
  for (int n = 0; n < g.batch; n++)
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) {
        const float* d = dy + ((static_cast<long>(n) * g.out_h + oh) * g.out_w + ow) * C;
        for (int kh = 0; kh < g.k_h; kh++)
          for (int kw = 0; kw < g.k_w; kw++) {
            float* i = dx + ((static_cast<long>(n) * g.in_h + oh * g.stride_h + kh) * g.in_w + ow * g.stride_w + kw) * C;
            for (int c = 0; c < C; c++) i[c] += d[c] * scale;
          }
      }
}

}  // namespace slipway
