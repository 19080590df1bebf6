// ONNX interop: export a model to the runtimes users deploy on (onnxruntime on the web, in Node, on servers),
// and import one back. `tg.onnx.exportModel(model, exampleInput, { opset })` → the bytes of an .onnx file;
// `tg.onnx.loadModel(bytes)` → a Module that runs and trains the graph with typegrad's ops.

export { exportModel, DEFAULT_OPSET, type ExportOptions } from './export.js';
export { loadModel, supportedOpTypes, OnnxModel } from './import.js';
