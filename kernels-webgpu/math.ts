// WGSL functions with JavaScript's (IEEE) answers where WGSL leaves them to the implementation: NaN and
// the infinities in and out, negative bases of pow, log and sqrt of negatives, max/min with NaN.
// WGSL lets a compiler assume that floats are never NaN or infinite, so these test by bits (isNan,
// isInf) and make NaN and ∞ from runtime bits (a constant NaN is a WGSL compile error).

import { isNanWgsl } from './device.js';

export const jsMathWgsl = /* wgsl */ `
${isNanWgsl}
fn isInf(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u;
}
fn signBit(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x80000000u) != 0u;
}
fn nan() -> f32 {
  let bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}
fn infinity(negative: bool) -> f32 {
  let bits = select(0x7f800000u, 0xff800000u, negative);
  return bitcast<f32>(bits);
}
// Math.max / Math.min of two: NaN if either is
fn maxJs(a: f32, b: f32) -> f32 {
  return select(select(b, a, a >= b), nan(), isNan(a) || isNan(b));
}
fn minJs(a: f32, b: f32) -> f32 {
  return select(select(b, a, a <= b), nan(), isNan(a) || isNan(b));
}
fn logJs(x: f32) -> f32 {
  if (isNan(x) || x < 0.0) { return nan(); }
  if (x == 0.0) { return infinity(true); }
  if (isInf(x)) { return x; }
  return log(x);
}
fn sqrtJs(x: f32) -> f32 {
  if (isNan(x) || x < 0.0) { return nan(); }
  if (x == 0.0 || isInf(x)) { return x; } // sqrt(−0) is −0
  return sqrt(x);
}
fn expJs(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (isInf(x)) { return select(x, 0.0, signBit(x)); }
  return exp(x);
}
// whether x is an odd integer (every float32 of magnitude 2^24 or more is even)
fn isOddInteger(x: f32) -> bool {
  return abs(x) < 16777216.0 && floor(x) == x && (i32(x) & 1) != 0;
}
// a ** b, JavaScript's Math.pow: x ** 0 is 1 even for NaN, 1 ** ±∞ is NaN, a finite negative base
// needs an integer exponent; |a|^b as exp2(b·log2|a|), which gives the zeros and infinities
fn powJs(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isNan(a) || isNan(b)) { return nan(); }
  let magnitudeLog = b * select(log2(abs(a)), infinity(abs(a) == 0.0), abs(a) == 0.0 || isInf(a));
  var magnitude: f32;
  if (abs(a) == 1.0) {
    magnitude = select(1.0, nan(), isInf(b));
  } else if (isNan(magnitudeLog) || isInf(magnitudeLog)) {
    magnitude = select(infinity(false), 0.0, signBit(magnitudeLog));
  } else {
    magnitude = exp2(magnitudeLog);
  }
  if (!signBit(a)) { return magnitude; }
  if (!isInf(a) && a != 0.0 && !isInf(b) && floor(b) != b) { return nan(); }
  return select(magnitude, -magnitude, isOddInteger(b));
}
// tanh: near 0 its Taylor series (to x⁹, which is off by less than 2e-8 of tanh below 0.3), where
// 1 − e^(−2|x|) would cancel; beyond, from e^(−2|x|) <= 1, which cannot overflow (tanh as sinh/cosh
// does past |x| ≈ 89)
fn tanhJs(x: f32) -> f32 {
  let a = abs(x);
  var magnitude: f32;
  if (a < 0.3) {
    let a2 = a * a;
    magnitude = a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0 + a2 * (62.0 / 2835.0)))));
  } else {
    let t = expJs(-2.0 * a);
    magnitude = (1.0 - t) / (1.0 + t);
  }
  return select(magnitude, -magnitude, signBit(x));
}
// log(1 + y) for y >= 0: its series where 1 + y would round y away (below 0.01, to y⁴: off by less
// than 3e-7 of the result), else log
fn log1pJs(y: f32) -> f32 {
  if (y < 0.01) { return y * (1.0 + y * (-0.5 + y * (1.0 / 3.0 - y * 0.25))); }
  return logJs(1.0 + y);
}
// 1/(1+e^−x) for x >= 0 and e^x/(1+e^x) below: neither overflows on its side
fn sigmoidJs(x: f32) -> f32 {
  let e = expJs(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
// the error function, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7); erf(±∞) = ±1
fn erfJs(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let magnitude = 1.0 - poly * expJs(-a * a);
  if (isNan(x)) { return x; }
  return select(magnitude, -magnitude, signBit(x));
}`;
