// typegrad's dev install replaces the native `gl` package (gpu.js's optional dependency, a ~4 minute
// C++ build) with this stub through package.json "overrides". gpu.js requires `gl` inside a try/catch
// and treats a throw as "headless-gl is not installed", which is exactly the case here.
throw new Error('gl: typegrad installs a stub in place of headless-gl; see kernels-gl/README.md to install the real one');
