{
  # The engine's native kernels (native/). Flags, chosen deliberately:
  # -O3 for vectorisation; NO -ffast-math (it would let the compiler reorder reductions, drop NaN/Inf handling in
  # max-pooling and activations, and flush denormals process-wide); NO -march=native (the addon may be built on
  # one machine and run on another): the AVX2+FMA and AVX-512 micro-kernels carry target attributes and are chosen
  # at run time by CPUID. -ffp-contract=fast lets the compiler fuse a*b+c into FMA inside those kernels only
  # where the target allows it, which is at least as accurate as separate rounding.
  "targets": [
    {
      "target_name": "slipway_native",
      "sources": [
        "native/addon.cc",
        "native/gemm.cc",
        "native/micro-kernels.cc",
        "native/conv.cc",
        "native/elementwise.cc",
        "native/thread-pool.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=fast", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
    }
  ]
}
