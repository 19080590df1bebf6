// `typegrad export --model-file FILE --onnx OUT.onnx`: a saved model as an ONNX file, for onnxruntime
// (web, Node, servers). The model is traced on a batch of zeros of its input size (tg.onnx.exportModel).

import * as tg from '../index.js';
import { helpText, parseArgs, type OptionSpecs } from './args.js';
import { UsageError, firstLine } from './errors.js';
import { loadSavedRun, newestModelFile } from './saved-run.js';
import { writeRunFile } from './files.js';

const OPTIONS: OptionSpecs = {
  'model-file': { type: 'string', help: 'a model.safetensors from a run folder (default: the newest under runs/)' },
  model: { type: 'string', help: 'the model it holds (default: from the run\'s metrics.json)' },
  onnx: { type: 'string', help: 'the .onnx file to write (required)' },
  opset: { type: 'int', min: 13, max: 21, default: tg.onnx.DEFAULT_OPSET, help: 'the ONNX opset' },
  batch: { type: 'int', min: 1, default: 1, help: 'the batch size fixed in the graph\'s input shape' },
  help: { type: 'flag', help: 'show this help' },
};

export async function exportCommand(argv: string[]): Promise<number> {
  const { options: o } = parseArgs('export', argv, OPTIONS);
  if (o.help) return void process.stdout.write(helpText('export', '--onnx OUT.onnx [--model-file FILE] [options]', OPTIONS) + '\n'), 0;
  const out = o.onnx as string | undefined;
  if (!out) throw new UsageError('typegrad export: --onnx OUT.onnx is required (the file to write)');
  const run = loadSavedRun((o['model-file'] as string | undefined) ?? newestModelFile(), o.model as string | undefined, null);
  const input = tg.zeros([o.batch as number, ...run.spec.inSize]);
  let bytes: Uint8Array;
  try {
    bytes = tg.onnx.exportModel(run.model, input, { opset: o.opset as number });
  } catch (e) {
    throw new UsageError(`export ${run.file}: ${firstLine((e as Error).message)}`);
  }
  writeRunFile(out, bytes);
  process.stdout.write(`typegrad: wrote ${out} (${bytes.length.toLocaleString('en-US')} bytes, opset ${o.opset}): ${run.spec.name} with input [${input.shape.join(', ')}]\n`);
  return 0;
}
