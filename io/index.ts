// tg.io: file formats (browser-safe). Node's file save/load live in io/node.ts.

export { saveSafetensors, loadSafetensors, readSafetensors, type SafetensorsFile, type SafetensorsOptions } from './safetensors.js';
export { loadTorch, torchFormat, TORCH_GLOBALS, type TorchValue } from './torch.js';
export { encodeCheckpoint, decodeCheckpoint, CHECKPOINT_FORMAT } from './checkpoint.js';
export { save, load, writeFileAtomic, removeStaleTempFiles, checkpointFile, type CheckpointFile } from './node.js';
