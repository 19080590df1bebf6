// torchvision's resnet18 and vgg16: the same state-dict keys and shapes, a PyTorch-layout safetensors
// file (float32 weights, int64 num_batches_tracked) loads strictly, and the logits equal PyTorch's.

import { describe, expect, it } from 'vitest';
import { Tensor } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { loadSafetensors } from '../../io/index.js';
import { assertClose, det, detParam, detParamInto, loadCases, type ModuleCase } from './helpers.js';

const cases = loadCases<ModuleCase & { dtypes: string[] }>('torchvision.json');

/** A safetensors file as PyTorch writes a state dict: F32 tensors and I64 counters. */
function torchStyleSafetensors(entries: Array<[string, Tensor, 'F32' | 'I64']>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [k, t, dtype] of entries) {
    const bytes = t.size * (dtype === 'F32' ? 4 : 8);
    header[k] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t, dtype] of entries) {
    for (const v of t.data) {
      if (dtype === 'F32') view.setFloat32(at, v, true);
      else view.setBigInt64(at, BigInt(v), true);
      at += dtype === 'F32' ? 4 : 8;
    }
  }
  return out;
}

describe('torchvision models', () => {
  it('resnet18: keys and shapes equal torchvision, a PyTorch-style safetensors file loads strictly, logits match', () => {
    const c = cases.find((k) => k.name === 'resnet18')!;
    const model = nn.resnet18({ init: false });
    const sd = model.stateDict();
    expect(Object.entries(sd).map(([k, t]) => [k, t.shape])).toEqual(c.keys);
    const file = torchStyleSafetensors(c.keys.map(([k, shape], i) => [k, detParam(k, shape, i), c.dtypes[i] === 'int64' ? 'I64' : 'F32']));
    model.loadStateDict(loadSafetensors(file), { strict: true });
    expect(model.stateDict()['layer1.0.bn1.num_batches_tracked'].item()).toBe(3);
    model.eval();
    assertClose('resnet18 logits', model.forward(det(c.input_shape, 1000, c.in_scale)), c.output);
  });

  it('vgg16: keys and shapes equal torchvision and the logits match on 1x3x32x32', () => {
    const c = cases.find((k) => k.name === 'vgg16')!;
    const model = nn.vgg16({ init: false });
    const sd = model.stateDict();
    expect(Object.entries(sd).map(([k, t]) => [k, t.shape])).toEqual(c.keys);
    // filled in place: a full safetensors round trip of 138M weights would only cost memory here
    Object.entries(sd).forEach(([k, t], i) => detParamInto(k, t, i));
    model.eval();
    assertClose('vgg16 logits', model.forward(det(c.input_shape, 1000, c.in_scale)), c.output);
  });

  it("vggFeatures (torchvision's make_layers): VGG16_CONFIG gives vgg16().features, keys and shapes; a width-reduced config keeps the layout at its widths", () => {
    const shapes = (m: nn.Module) => Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]);
    const features = nn.vggFeatures(nn.VGG16_CONFIG);
    expect(shapes(features)).toEqual(shapes(nn.vgg16({ init: false }).features));
    expect(features.parameters().reduce((n, p) => n + p.size, 0)).toBe(14_714_688); // Keras's non-trainable count of lab 8
    const narrow = nn.vggFeatures(nn.VGG16_CONFIG.map((v) => (v === 'M' ? v : v / 16)));
    expect(narrow.stateDict()['28.weight'].shape).toEqual([32, 32, 3, 3]);
    expect(() => nn.vggFeatures([64, 'M', 0])).toThrow(/vggFeatures: config must list positive channel counts and 'M'.*\[64,"M",0\]/);
  });

  it('a missing key, an unexpected key and a wrong shape are reported together', () => {
    const model = nn.resnet18({ init: false, numClasses: 10 });
    const sd = { ...model.stateDict() };
    delete sd['bn1.running_mean'];
    sd['extra.weight'] = new Tensor(new Float32Array(1), [1]);
    sd['fc.bias'] = new Tensor(new Float32Array(1000), [1000]);
    let message = '';
    try {
      model.loadStateDict(sd);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/missing keys: bn1\.running_mean/);
    expect(message).toMatch(/unexpected keys: extra\.weight/);
    expect(message).toMatch(/fc\.bias: the model has shape \[10\], the state dict \[1000\]/);
  });
});
