// Convolution (im2col + packed GEMM, in row chunks that stay in cache) and pooling over NHWC batches.
#pragma once

namespace slipway {

/** Geometry in the order of Conv2dGeometry's fields (kernels.ts). */
struct Geo {
  int batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
};

enum class Act { Linear = 0, Relu = 1, Sigmoid = 2, Tanh = 3 };

void conv2d_forward(const Geo& g, const float* x, const float* w, const float* bias, Act act, float* out);
void conv2d_backward_input(const Geo& g, const float* dy, const float* w, float* dx);
void conv2d_backward_filter(const Geo& g, const float* x, const float* dy, float* dw, float* db);

void max_pool_forward(const Geo& g, const float* x, float* out, int* argmax);
void max_pool_backward(const float* dy, const int* argmax, long n_out, float* dx, long n_in);
/** dx[argmax[i]] += dy[i] (dx not zeroed). */
void max_pool_scatter(const float* dy, const int* argmax, long n_out, float* dx);
void avg_pool_forward(const Geo& g, const float* x, float* out);
void avg_pool_backward(const Geo& g, const float* dy, float* dx);

/** In place: x[r, c] = act(x[r, c] + bias[c]) for rows [r0, r1). */
void bias_activation_rows(float* x, const float* bias, long r0, long r1, int cols, Act act);

}  // namespace slipway
