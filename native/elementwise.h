// Element-wise kernels: activation backward, column sums, the Adam update.
#pragma once
#include "conv.h"

namespace slipway {

void activation_backward(const float* dy, const float* y, Act act, float* out, long n);
void sum_rows(const float* x, long rows, int cols, float* out);
void adam_step(float* p, const float* g, float* m, float* v, long n, float lr_t, float b1, float b2, float eps);

}  // namespace slipway
