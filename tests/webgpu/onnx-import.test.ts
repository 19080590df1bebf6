// An ONNX model imported with tg.onnx.loadModel runs on the registered 'webgpu' backend (Dawn over
// SwiftShader, see tests/helpers/webgpu.ts): a ResNet torch.onnx.export wrote gives PyTorch's output,
// loading and forward read nothing back from the device, and a training step's parameter gradients
// equal js's.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { difference, randomValues } from '../helpers/values.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';

let reason: string | null = null;
beforeAll(async () => {
  const probe = await webgpuKernelsForTests('tests/webgpu/onnx-import.test.ts');
  probe.kernels?.dispose();
  reason = probe.reason;
});
afterAll(() => tg.setBackend('js'));

const fixture = (file: string) => new URL(`../fixtures/onnx/${file}`, import.meta.url);
const { cases } = JSON.parse(readFileSync(fixture('onnx.json'), 'utf8')) as { cases: Array<{ name: string; file: string; inputs: Array<{ shape: number[]; data: number[] }>; outputs: Array<{ shape: number[]; data: number[] }> }> };
const resnet = cases.find((c) => c.name === 'ResNet basic blocks')!;
const fromJson = (t: { shape: number[]; data: number[] }) => new tg.Tensor(Float32Array.from(t.data), t.shape);
const onCpu = async (t: tg.Tensor) => new tg.Tensor(Float32Array.from(await t.dataAsync()), t.shape);

describe('an imported ONNX model on webgpu', () => {
  test("ResNet (torch.onnx.export): PyTorch's output, nothing read back while loading and running", async () => {
    if (reason) return;
    await tg.setBackend('webgpu');
    const before = tg.webgpuBackendInfo()!.readbacks;
    const model = tg.onnx.loadModel(new Uint8Array(readFileSync(fixture(resnet.file))));
    const out = tg.noGrad(() => model.forward(fromJson(resnet.inputs[0]))) as tg.Tensor;
    expect(out.onDevice).toBe(true);
    expect(tg.webgpuBackendInfo()!.readbacks).toBe(before);
    expect(difference('ResNet output on webgpu', await onCpu(out), fromJson(resnet.outputs[0]))).toBeNull();
  });

  test("a training step's parameter gradients equal js's", async () => {
    if (reason) return;
    const bytes = new Uint8Array(readFileSync(fixture(resnet.file)));
    const x = fromJson(resnet.inputs[0]);
    const step = async (backend: tg.BackendName) => {
      await tg.setBackend(backend);
      const model = tg.onnx.loadModel(bytes);
      const out = model.forward(x) as tg.Tensor;
      tg.sum(tg.mul(out, new tg.Tensor(randomValues(out.size, 4), out.shape))).backward();
      return Promise.all([...model.namedParameters()].map(async ([key, p]) => [key, await onCpu(p.grad!)] as const));
    };
    const want = await step('js');
    const got = await step('webgpu');
    expect(got.map(([k]) => k)).toEqual(want.map(([k]) => k));
    got.forEach(([key, g], i) => expect(difference(`gradient of ${key}`, g, want[i][1])).toBeNull());
  }, 120_000);
});
