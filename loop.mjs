process.env.VK_ICD_FILENAMES='/usr/lib/chromium/vk_swiftshader_icd.json';
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice();
const mode = process.argv[2];
const buf = device.createBuffer({size: 2048, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC| GPUBufferUsage.COPY_DST});
for (let i = 0; i < 200; i++) {
  device.queue.writeBuffer(buf, 0, new Float32Array(4).fill(i));
  const st = device.createBuffer({size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST});
  const e = device.createCommandEncoder(); e.copyBufferToBuffer(buf, 0, st, 0, 16); device.queue.submit([e.finish()]);
  await st.mapAsync(GPUMapMode.READ);
  const v = new Float32Array(st.getMappedRange(0, 16).slice(0));
  if (mode === 'unmap') st.unmap();
  if (mode !== 'keep') st.destroy();
  if (i % 50 === 0) console.log(i, v[0]);
}
console.log('ok');
