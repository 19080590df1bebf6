/// <reference types="@webgpu/types" />
// The WebGPU device behind the 'webgpu' backend: tensors in GPUBuffers, pooled; kernels queued into one
// command encoder and submitted in batches; results read back only by `await tensor.dataAsync()`.
//
// - A result lives in a WebGpuStorage (a DeviceStorage): the next kernel binds its buffer directly.
//   A tensor made on the CPU (tg.tensor, a batch from a DataLoader) is uploaded each time a kernel uses
//   it, into a fresh buffer: uploads are never cached, since a CPU tensor's values may be written in
//   place through `.data`. Parameters stop being uploaded after the first optimizer step, which leaves
//   them on the device.
// - Buffers come from a pool keyed by size class, so a training loop that makes the same tensors every
//   step allocates nothing after the first. A buffer goes back to the pool when its tensor is
//   garbage-collected (a FinalizationRegistry) or disposed (tensor.dispose()), and is handed out again
//   only after the commands queued so far are submitted: an upload (queue.writeBuffer) into a buffer
//   that a queued, unsubmitted kernel still reads would run before that kernel.
// - Every kernel is one dispatch in the open compute pass (WebGPU orders dispatches in a pass: each
//   sees the writes of the ones before it). The pass is submitted when a result is read, on tg.sync(),
//   and every `maxQueued` dispatches, so one training step is a handful of submits.
// - WebGPU reports invalid work (a shader that fails to compile, a binding that does not fit) as an
//   uncaptured error event rather than a throw; the first one is rethrown, naming the kernel, by the next
//   read or sync.

import { Tensor, type DeviceStorage } from '../engine/tensor.js';
import type { WebGpuInfo } from './index.js';

/** A compute shader: `code` is WGSL with one entry point `main`; `name` labels it in errors. */
export interface Shader {
  readonly name: string;
  readonly code: string;
}

/**
 * One field of a kernel's parameter struct, in the struct's order: a number is a u32, `{ f32 }` and
 * `{ i32 }` the other WGSL scalars. Shaders declare the struct as `var<storage, read> p: Params` with
 * 4-byte fields only (u32, i32, f32 and arrays of them), so the fields pack without padding.
 */
export type ParamField = number | { f32: number } | { i32: number };

/** The struct's bytes: u32 fields as they are, f32 and i32 fields by their bits. */
export function paramWords(fields: readonly ParamField[]): Uint32Array {
  const words = new Uint32Array(Math.max(fields.length, 1));
  const asFloat = new Float32Array(words.buffer);
  const asInt = new Int32Array(words.buffer);
  fields.forEach((f, i) => {
    if (typeof f === 'number') {
      if (!Number.isInteger(f) || f < 0 || f > 0xffffffff) throw new RangeError(`webgpu: parameter ${i} must be a u32, got ${f}`);
      words[i] = f;
    } else if ('f32' in f) asFloat[i] = f.f32;
    else asInt[i] = f.i32;
  });
  return words;
}

/** Threads per workgroup of the one-thread-per-element kernels (256 is every adapter's guaranteed minimum of maxComputeInvocationsPerWorkgroup). */
export const WORKGROUP_SIZE = 256;

/** WebGPU's guaranteed limit on workgroups along one dimension of a dispatch. */
const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * The workgroups of a dispatch over n threads in groups of `size`: along x, spilling into y past
 * 65,535 groups. The shader recovers its flat index with `flatIndex` (WGSL below).
 */
export function grid(n: number, size = WORKGROUP_SIZE): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  const x = Math.min(groups, MAX_WORKGROUPS_PER_DIM);
  return [x, Math.ceil(groups / x), 1];
}

/**
 * WGSL: the flat thread index of a `grid` dispatch, for entry points declared with
 * `@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u`.
 */
export const flatIndexWgsl = /* wgsl */ `
fn flatIndex(id: vec3u, groups: vec3u, size: u32) -> u32 {
  return id.x + id.y * groups.x * size;
}`;

/**
 * WGSL: whether x is NaN, by its bits. WGSL lets a compiler assume floats are never NaN, so `x != x`
 * may be folded to false (Tint does); the bit pattern cannot be.
 */
export const isNanWgsl = /* wgsl */ `
fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}`;

/**
 * The shader of a kernel with one thread per element it writes (p.size of them), the frame every
 * elementwise kernel shares: the `read` storage bindings (array<f32>, or `name: type`), then the `write`
 * ones read_write, then `var<storage, read> p: Params` with struct Params { size: u32, <fields> };
 * `helpers` are the WGSL functions `body` calls; `body` runs for the element `index` (default `i`).
 */
export function perElementShader(name: string, spec: { read: string[]; write?: string[]; fields?: string; helpers?: string[]; body: string; index?: string }): Shader {
  const { read, write = ['out'], fields = '', helpers = [], body, index = 'i' } = spec;
  const typed = (b: string) => (b.includes(':') ? b : `${b}: array<f32>`);
  return {
    name,
    code: /* wgsl */ `
${read.map((b, k) => `@group(0) @binding(${k}) var<storage, read> ${typed(b)};`).join('\n')}
${write.map((b, k) => `@group(0) @binding(${read.length + k}) var<storage, read_write> ${typed(b)};`).join('\n')}
struct Params { size: u32, ${fields} }
@group(0) @binding(${read.length + write.length}) var<storage, read> p: Params;
${flatIndexWgsl}
${helpers.join('\n')}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let ${index} = flatIndex(id, groups, ${WORKGROUP_SIZE}u);
  if (${index} >= p.size) { return; }
  ${body}
}`,
  };
}

/** Size classes of the pool: powers of two up to 1 MiB, then whole MiB (a 2x rounding of large tensors would waste too much). */
function sizeClass(bytes: number): number {
  const atLeast = Math.max(bytes, 16);
  if (atLeast <= 1 << 20) return 2 ** Math.ceil(Math.log2(atLeast));
  return Math.ceil(atLeast / (1 << 20)) * (1 << 20);
}

/** A tensor's values in a GPUBuffer of its device. */
export class WebGpuStorage implements DeviceStorage {
  readonly backend = 'webgpu';
  #buffer: GPUBuffer | null;

  constructor(
    buffer: GPUBuffer,
    readonly gpu: WebGpu,
    readonly size: number,
  ) {
    this.#buffer = buffer;
    storages.register(this, { gpu, buffer }, this);
  }

  /** the buffer, for binding; throws once disposed */
  get buffer(): GPUBuffer {
    if (!this.#buffer) throw new Error('webgpu: this tensor was disposed (tensor.dispose()); its values are gone');
    return this.#buffer;
  }

  read(): Float32Array {
    throw new Error(
      "webgpu: tensor.data cannot read a GPU buffer synchronously; use `await tensor.dataAsync()` (or itemAsync(), toArrayAsync()), after which .data works",
    );
  }

  readAsync(): Promise<Float32Array> {
    return this.gpu.read(this.buffer, this.size);
  }

  dispose(): void {
    if (!this.#buffer) return;
    storages.unregister(this);
    this.gpu.release(this.#buffer);
    this.#buffer = null;
  }
}

// Buffers of tensors garbage-collected without dispose(): back to their device's pool.
const storages = new FinalizationRegistry<{ gpu: WebGpu; buffer: GPUBuffer }>(({ gpu, buffer }) => gpu.release(buffer));

/** A WebGPU device with the buffer pool and the command queue of the kernels that run on it. */
export class WebGpu {
  /** dispatches queued before the pass is submitted on its own */
  static readonly maxQueued = 256;

  readonly #pipelines = new Map<string, GPUComputePipeline>();
  /** free buffers by size class */
  readonly #pool = new Map<number, GPUBuffer[]>();
  /** released since the last submit: reusable after it */
  #released: GPUBuffer[] = [];
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #queued = 0;
  #error: string | null = null;
  #bytesInUse = 0;
  #bytesPooled = 0;
  #counts = { readbacks: 0, submits: 0, dispatches: 0 };

  constructor(
    readonly device: GPUDevice,
    readonly adapterName: string,
    /** the entry point the device came from: Dawn's Node instance tears its devices down when collected */
    readonly entry: GPU,
  ) {
    device.addEventListener('uncapturederror', (event) => {
      this.#error ??= (event as GPUUncapturedErrorEvent).error.message;
    });
  }

  info(): WebGpuInfo {
    return { adapter: this.adapterName, ...this.#counts, bytesInUse: this.#bytesInUse, bytesPooled: this.#bytesPooled };
  }

  // ---- buffers ----

  /** A storage buffer of at least `bytes`, from the pool when one of its size class is free. */
  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    if (size > this.device.limits.maxStorageBufferBindingSize) {
      throw new RangeError(`webgpu: a buffer of ${bytes} bytes is more than this adapter binds (maxStorageBufferBindingSize ${this.device.limits.maxStorageBufferBindingSize})`);
    }
    const buffer = this.#pool.get(size)?.pop();
    this.#bytesInUse += size;
    if (buffer) {
      this.#bytesPooled -= size;
      return buffer;
    }
    return this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  }

  /** Returns a buffer to the pool, for reuse once the queued work is submitted. */
  release(buffer: GPUBuffer): void {
    this.#bytesInUse -= buffer.size;
    this.#released.push(buffer);
  }

  /** A new tensor of `shape` whose values a kernel is about to write. */
  empty(shape: readonly number[]): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return new Tensor(new WebGpuStorage(this.acquire(size * 4), this, size), shape);
  }

  /** The buffer holding t's values: its own if it lives on this device, else a fresh upload of them. */
  bufferOf(t: Tensor): GPUBuffer {
    const device = t.deviceStorage('webgpu');
    if (device instanceof WebGpuStorage && device.gpu === this) return device.buffer;
    const values = t.data;
    const buffer = this.acquire(values.byteLength);
    this.device.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
    this.release(buffer); // in use by the kernels queued next; reusable after they are submitted
    return buffer;
  }

  // ---- kernels ----

  #pipeline(shader: Shader): GPUComputePipeline {
    let pipeline = this.#pipelines.get(shader.code);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: shader.name, code: shader.code });
      pipeline = this.device.createComputePipeline({ label: shader.name, layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.#pipelines.set(shader.code, pipeline);
    }
    return pipeline;
  }

  /**
   * Queues one dispatch of `shader` over `workgroups`, its bindings in order: `buffers` at 0, 1, …, and
   * when given, the parameter struct at the next binding.
   */
  run(shader: Shader, buffers: readonly GPUBuffer[], params: readonly ParamField[] | null, workgroups: readonly [number, number, number]): void {
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (params) {
      const words = paramWords(params);
      const buffer = this.acquire(words.byteLength);
      this.device.queue.writeBuffer(buffer, 0, words.buffer, 0, words.byteLength);
      this.release(buffer);
      entries.push({ binding: buffers.length, resource: { buffer } });
    }
    const pipeline = this.#pipeline(shader);
    const bindGroup = this.device.createBindGroup({ label: shader.name, layout: pipeline.getBindGroupLayout(0), entries });
    this.#encoder ??= this.device.createCommandEncoder();
    this.#pass ??= this.#encoder.beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, bindGroup);
    this.#pass.dispatchWorkgroups(...workgroups);
    this.#counts.dispatches++;
    if (++this.#queued >= WebGpu.maxQueued) this.flush();
  }

  /** Submits the queued kernels; the buffers released meanwhile become reusable. */
  flush(): void {
    if (this.#encoder) {
      this.#pass?.end();
      this.device.queue.submit([this.#encoder.finish()]);
      this.#counts.submits++;
      [this.#encoder, this.#pass, this.#queued] = [null, null, 0];
    }
    for (const buffer of this.#released) {
      const free = this.#pool.get(buffer.size) ?? [];
      free.push(buffer);
      this.#pool.set(buffer.size, free);
      this.#bytesPooled += buffer.size;
    }
    this.#released = [];
  }

  /** Resolves when every queued kernel has run; throws the first error the device reported. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.#throwError();
  }

  /** Copies `size` floats of `buffer` to the CPU once the kernels that write it have run. */
  async read(buffer: GPUBuffer, size: number): Promise<Float32Array> {
    this.flush();
    const bytes = size * 4;
    const staging = this.device.createBuffer({ size: Math.max(bytes, 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      if (bytes > 0) {
        const encoder = this.device.createCommandEncoder();
        encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
        this.device.queue.submit([encoder.finish()]);
        this.#counts.submits++;
      }
      await staging.mapAsync(GPUMapMode.READ);
      this.#throwError();
      this.#counts.readbacks++;
      return new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    } finally {
      staging.destroy();
    }
  }

  #throwError(): void {
    if (this.#error === null) return;
    const message = this.#error;
    this.#error = null;
    throw new Error(`webgpu: the device rejected a kernel: ${message}`);
  }

  /** Frees every pooled buffer and the device; tensors it made and nobody has read lose their values. */
  destroy(): void {
    this.flush();
    for (const free of this.#pool.values()) for (const buffer of free) buffer.destroy();
    this.#pool.clear();
    this.#bytesPooled = 0;
    this.device.destroy();
  }
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

const NODE_HELP =
  "In Node the webgpu backend needs the optional npm package 'webgpu' (Dawn's bindings: `npm install webgpu`) and a Vulkan driver: " +
  'a GPU\'s, or SwiftShader on a machine without one (Debian: `apt-get install libvulkan1 chromium`, then ' +
  'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).';

/** The WebGPU entry point: the browser's navigator.gpu, or in Node the 'webgpu' package's. */
async function findGpu(): Promise<GPU> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (browserGpu) return browserGpu;
  if (!isNode) throw new Error('webgpu backend: this browser has no WebGPU (navigator.gpu is missing; Chromium needs a secure context: https or localhost)');
  const specifier = 'webgpu'; // Node only: bundlers for the browser are told to leave this import alone
  let mod: { create(options: string[]): GPU; globals: object };
  try {
    mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof mod;
  } catch (e) {
    throw new Error(`webgpu backend: the 'webgpu' package is not installed (${(e as Error).message.split('\n')[0]}). ${NODE_HELP}`);
  }
  Object.assign(globalThis, mod.globals); // GPUBufferUsage, GPUMapMode, … as a browser has them
  return mod.create([]);
}

/** The adapter's name as it gives it: "google swiftshader SwiftShader driver 5.0.0", "nvidia ampere …". */
function adapterName(adapter: GPUAdapter): string {
  const { vendor, architecture, description, device } = adapter.info;
  return [vendor, architecture, description || device].filter(Boolean).join(' ') || 'unnamed adapter';
}

/** Opens the default WebGPU adapter's device, or throws saying what is missing. */
export async function requestWebGpu(): Promise<WebGpu> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(`webgpu backend: no WebGPU adapter found. ${isNode ? NODE_HELP : 'The browser offers WebGPU but no adapter (in Chromium without a GPU: --enable-unsafe-webgpu).'}`);
  const { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupStorageSize, maxComputeInvocationsPerWorkgroup, maxStorageBuffersPerShaderStage } = adapter.limits;
  // the adapter's own limits rather than WebGPU's defaults (a 128 MiB binding is less than a VGG layer's im2col)
  const device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupStorageSize, maxComputeInvocationsPerWorkgroup, maxStorageBuffersPerShaderStage },
  });
  return new WebGpu(device, adapterName(adapter), gpu);
}
