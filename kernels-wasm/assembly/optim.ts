// Adam's update of one parameter (torch.optim.Adam / AdamW), as engine/backends/js/optim.ts's reference
// loop: in place on the parameter p and its moments m and v (and the running maximum vMax for amsgrad,
// 0 when off), n floats each. Float32 lanes; the step's scalars (stepSize, bc2Sqrt) come from the host
// in float64 and are rounded once.

export function adamStep(p: usize, g: usize, m: usize, v: usize, vMax: usize, n: i32, stepSize: f32, bc2Sqrt: f32, beta1: f32, beta2: f32, eps: f32, decay: f32, l2: f32, maximize: bool): void {
  const vStepSize = f32x4.splat(stepSize), vBc2 = f32x4.splat(bc2Sqrt), vEps = f32x4.splat(eps);
  const vBeta1 = f32x4.splat(beta1), vBeta2 = f32x4.splat(beta2), vOne1 = f32x4.splat(1 - beta1), vOne2 = f32x4.splat(1 - beta2);
  const vDecay = f32x4.splat(decay), vL2 = f32x4.splat(l2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const w = f32x4.mul(v128.load(p + o), vDecay);
    let grad = v128.load(g + o);
    if (maximize) grad = f32x4.neg(grad);
    grad = f32x4.add(grad, f32x4.mul(vL2, w));
    const first = f32x4.add(f32x4.mul(vBeta1, v128.load(m + o)), f32x4.mul(vOne1, grad));
    let second = f32x4.add(f32x4.mul(vBeta2, v128.load(v + o)), f32x4.mul(f32x4.mul(vOne2, grad), grad));
    v128.store(m + o, first);
    v128.store(v + o, second);
    if (vMax) {
      second = f32x4.max(v128.load(vMax + o), second);
      v128.store(vMax + o, second);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(second), vBc2), vEps);
    v128.store(p + o, f32x4.sub(w, f32x4.div(f32x4.mul(vStepSize, first), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const w = load<f32>(p + o) * decay;
    let grad = load<f32>(g + o);
    if (maximize) grad = -grad;
    grad += l2 * w;
    const first = beta1 * load<f32>(m + o) + (1 - beta1) * grad;
    let second = beta2 * load<f32>(v + o) + (1 - beta2) * grad * grad;
    store<f32>(m + o, first);
    store<f32>(v + o, second);
    if (vMax) {
      second = Mathf.max(load<f32>(vMax + o), second);
      store<f32>(vMax + o, second);
    }
    store<f32>(p + o, w - (stepSize * first) / (Mathf.sqrt(second) / bc2Sqrt + eps));
  }
}
