// ONNX interop: export a model to the runtimes users deploy on (onnxruntime on the web, in Node, on servers).
// `tg.onnx.exportModel(model, exampleInput, { opset })` → the bytes of an .onnx file.

export { exportModel, DEFAULT_OPSET, type ExportOptions } from './export.js';
