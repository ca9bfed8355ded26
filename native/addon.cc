// N-API bindings: typed arrays are used in place (zero copy); every length is checked before any kernel touches
// memory, so a wrong call throws a RangeError instead of corrupting the heap.
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "thread-pool.h"

using namespace slipway;

namespace {

struct F32 {
  float* data;
  size_t length;
};

F32 f32(const Napi::CallbackInfo& info, size_t i, const char* name, bool nullable = false) {
  Napi::Value v = info[i];
  if (nullable && (v.IsNull() || v.IsUndefined())) return {nullptr, 0};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  auto a = v.As<Napi::Float32Array>();
  return {a.Data(), a.ElementLength()};
}

Napi::Int32Array i32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an Int32Array");
  return v.As<Napi::Int32Array>();
}

long num(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 2147483647.0) || d != static_cast<long>(d))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a non-negative integer");
  return static_cast<long>(d);
}

float fnum(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().FloatValue(); }

void need(const Napi::CallbackInfo& info, const F32& a, size_t n, const char* name) {
  if (a.length < n)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " holds " + std::to_string(a.length) +
                                                " floats but the shapes need " + std::to_string(n));
}

Act act_of(const Napi::CallbackInfo& info, size_t i) {
  long a = num(info, i, "activation");
  if (a > 3) throw Napi::RangeError::New(info.Env(), "unknown activation");
  return static_cast<Act>(a);
}

Geo geo_of(const Napi::CallbackInfo& info, size_t i) {
  auto a = i32(info, i, "geometry");
  if (a.ElementLength() != 13) throw Napi::RangeError::New(info.Env(), "geometry must hold 13 integers");
  Geo g{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]};
  for (size_t j = 0; j < 13; j++)
    if (a[j] < 0) throw Napi::RangeError::New(info.Env(), "geometry values must be non-negative");
  if (g.stride_h < 1 || g.stride_w < 1) throw Napi::RangeError::New(info.Env(), "strides must be at least 1");
  return g;
}

size_t in_size(const Geo& g) { return static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c; }
size_t out_size(const Geo& g, int c) { return static_cast<size_t>(g.batch) * g.out_h * g.out_w * c; }
size_t filter_size(const Geo& g) { return static_cast<size_t>(g.k_h) * g.k_w * g.in_c * g.out_c; }

// Pooling windows are unpadded: every window must lie inside the input.
void check_pool(const Napi::CallbackInfo& info, const Geo& g) {
  if (g.k_h < 1 || g.k_w < 1) throw Napi::RangeError::New(info.Env(), "pool window must be at least 1x1");
  if (g.out_h > 0 && (static_cast<long>(g.out_h - 1) * g.stride_h + g.k_h > g.in_h)) throw Napi::RangeError::New(info.Env(), "pool window leaves the input (height)");
  if (g.out_w > 0 && (static_cast<long>(g.out_w - 1) * g.stride_w + g.k_w > g.in_w)) throw Napi::RangeError::New(info.Env(), "pool window leaves the input (width)");
}

Napi::Value Init(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), pool_init(static_cast<int>(num(info, 0, "threads")))); }

const char* simd_name(Simd s) { return s == Simd::Avx512 ? "avx512" : s == Simd::Avx2 ? "avx2" : "none"; }

Napi::Value GetSimd(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), simd_name(current_simd())); }

Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  std::string s = info[0].As<Napi::String>().Utf8Value();
  Simd want = s == "avx512" ? Simd::Avx512 : s == "avx2" ? Simd::Avx2 : Simd::None;
  return Napi::String::New(info.Env(), simd_name(set_simd(want)));
}

void Gemm(const Napi::CallbackInfo& info) {
  bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  long m = num(info, 2, "m"), n = num(info, 3, "n"), k = num(info, 4, "k");
  F32 a = f32(info, 5, "a"), b = f32(info, 6, "b"), c = f32(info, 7, "c");
  need(info, a, m * k, "a");
  need(info, b, k * n, "b");
  need(info, c, m * n, "c");
  gemm(ta, tb, m, n, k, a.data, b.data, c.data, info[8].ToBoolean());
}

void BiasActivation(const Napi::CallbackInfo& info) {
  F32 x = f32(info, 0, "x"), bias = f32(info, 1, "bias", true);
  long rows = num(info, 2, "rows"), cols = num(info, 3, "cols");
  need(info, x, rows * cols, "x");
  if (bias.data) need(info, bias, cols, "bias");
  const Act act = act_of(info, 4);
  parallel_range(rows, std::max(1L, 65536 / std::max(1L, cols)), [&](long r0, long r1) { bias_activation_rows(x.data, bias.data, r0, r1, cols, act); });
}

void ActivationBackward(const Napi::CallbackInfo& info) {
  F32 dy = f32(info, 0, "dy"), y = f32(info, 1, "y"), out = f32(info, 3, "out");
  need(info, y, dy.length, "y");
  need(info, out, dy.length, "out");
  const Act act = act_of(info, 2);
  parallel_range(static_cast<long>(dy.length), 65536,
                 [&](long a, long b) { activation_backward(dy.data + a, y.data + a, act, out.data + a, b - a); });
}

void SumRows(const Napi::CallbackInfo& info) {
  F32 x = f32(info, 0, "x"), out = f32(info, 3, "out");
  long rows = num(info, 1, "rows"), cols = num(info, 2, "cols");
  need(info, x, rows * cols, "x");
  need(info, out, cols, "out");
  sum_rows(x.data, rows, cols, out.data);
}

void Conv2dForward(const Napi::CallbackInfo& info) {
  Geo g = geo_of(info, 0);
  F32 x = f32(info, 1, "x"), w = f32(info, 2, "w"), bias = f32(info, 3, "bias", true), out = f32(info, 5, "out");
  need(info, x, in_size(g), "x");
  need(info, w, filter_size(g), "w");
  if (bias.data) need(info, bias, g.out_c, "bias");
  need(info, out, out_size(g, g.out_c), "out");
  conv2d_forward(g, x.data, w.data, bias.data, act_of(info, 4), out.data);
}

void Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  Geo g = geo_of(info, 0);
  F32 dy = f32(info, 1, "dy"), w = f32(info, 2, "w"), dx = f32(info, 3, "dx");
  need(info, dy, out_size(g, g.out_c), "dy");
  need(info, w, filter_size(g), "w");
  need(info, dx, in_size(g), "dx");
  conv2d_backward_input(g, dy.data, w.data, dx.data);
}

void Conv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Geo g = geo_of(info, 0);
  F32 x = f32(info, 1, "x"), dy = f32(info, 2, "dy"), dw = f32(info, 3, "dw"), db = f32(info, 4, "db", true);
  need(info, x, in_size(g), "x");
  need(info, dy, out_size(g, g.out_c), "dy");
  need(info, dw, filter_size(g), "dw");
  if (db.data) need(info, db, g.out_c, "db");
  conv2d_backward_filter(g, x.data, dy.data, dw.data, db.data);
}

void MaxPoolForward(const Napi::CallbackInfo& info) {
  Geo g = geo_of(info, 0);
  check_pool(info, g);
  F32 x = f32(info, 1, "x"), out = f32(info, 2, "out");
  auto arg = i32(info, 3, "argmax");
  need(info, x, in_size(g), "x");
  need(info, out, out_size(g, g.in_c), "out");
  if (arg.ElementLength() < out_size(g, g.in_c)) throw Napi::RangeError::New(info.Env(), "argmax is too short");
  if (in_size(g) > 2147483647u) throw Napi::RangeError::New(info.Env(), "input too large for int32 argmax");
  max_pool_forward(g, x.data, out.data, arg.Data());
}

void MaxPoolBackward(const Napi::CallbackInfo& info) {
  F32 dy = f32(info, 0, "dy"), dx = f32(info, 2, "dx");
  auto arg = i32(info, 1, "argmax");
  if (arg.ElementLength() < dy.length) throw Napi::RangeError::New(info.Env(), "argmax is shorter than dy");
  const int* a = arg.Data();
  for (size_t i = 0; i < dy.length; i++)
    if (a[i] < 0 || static_cast<size_t>(a[i]) >= dx.length) throw Napi::RangeError::New(info.Env(), "argmax points outside dx");
  // Zero dx in parallel (it is the large side), then scatter serially: windows may overlap, so two outputs can
  // add into one input.
  parallel_range(static_cast<long>(dx.length), 65536, [&](long b, long e) { std::memset(dx.data + b, 0, sizeof(float) * (e - b)); });
  max_pool_scatter(dy.data, a, dy.length, dx.data);
}

void AvgPoolForward(const Napi::CallbackInfo& info) {
  Geo g = geo_of(info, 0);
  check_pool(info, g);
  F32 x = f32(info, 1, "x"), out = f32(info, 2, "out");
  need(info, x, in_size(g), "x");
  need(info, out, out_size(g, g.in_c), "out");
  avg_pool_forward(g, x.data, out.data);
}

void AvgPoolBackward(const Napi::CallbackInfo& info) {
  Geo g = geo_of(info, 0);
  check_pool(info, g);
  F32 dy = f32(info, 1, "dy"), dx = f32(info, 2, "dx");
  need(info, dy, out_size(g, g.in_c), "dy");
  need(info, dx, in_size(g), "dx");
  avg_pool_backward(g, dy.data, dx.data);
}

void AdamStep(const Napi::CallbackInfo& info) {
  F32 p = f32(info, 0, "p"), g = f32(info, 1, "g"), m = f32(info, 2, "m"), v = f32(info, 3, "v");
  need(info, g, p.length, "g");
  need(info, m, p.length, "m");
  need(info, v, p.length, "v");
  adam_step(p.data, g.data, m.data, v.data, p.length, fnum(info, 4), fnum(info, 5), fnum(info, 6), fnum(info, 7));
}

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("simd", Napi::Function::New(env, GetSimd));
  exports.Set("setSimd", Napi::Function::New(env, SetSimd));
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("biasActivation", Napi::Function::New(env, BiasActivation));
  exports.Set("activationBackward", Napi::Function::New(env, ActivationBackward));
  exports.Set("sumRows", Napi::Function::New(env, SumRows));
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, Conv2dBackwardInput));
  exports.Set("conv2dBackwardFilter", Napi::Function::New(env, Conv2dBackwardFilter));
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxPoolForward));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPoolBackward));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgPoolForward));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPoolBackward));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep));
  return exports;
}

}  // namespace

NODE_API_MODULE(slipway_native, Register)
