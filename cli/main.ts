#!/usr/bin/env node
// The `typegrad` command: dispatches to a subcommand; a UsageError becomes one line on stderr and
// exit code 2 (argparse's convention), anything else is a bug and shows its stack.

import { UsageError } from './errors.js';

const COMMANDS: Record<string, { help: string; run: () => Promise<(argv: string[]) => Promise<number>> }> = {
  train: { help: 'train a model (default: the CNN recipe on the bundled MNIST digits)', run: async () => (await import('./train.js')).train },
  eval: { help: 'accuracy, loss and confusion matrix of a saved model on a dataset', run: async () => (await import('./eval.js')).evalCommand },
  predict: { help: 'top-5 classes of image files with a saved model', run: async () => (await import('./predict.js')).predictCommand },
  summary: { help: 'the layer table of a model: output shapes and parameter counts', run: async () => (await import('./summary.js')).summaryCommand },
  'receptive-field': { help: 'receptive field of a model\'s convolutional features', run: async () => (await import('./summary.js')).receptiveFieldCommand },
  export: { help: 'a saved model as an ONNX file (for onnxruntime: web, Node, servers)', run: async () => (await import('./export.js')).exportCommand },
  bench: { help: 'a short speed report of this machine\'s backends', run: async () => (await import('./bench.js')).benchCommand },
};

export function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return ['usage: typegrad <command> [options]   (typegrad <command> --help for its options)', '', ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}${c.help}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage() + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    process.stdout.write((await import('./version.js')).typegradVersion() + '\n');
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError(`unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
  return (await entry.run())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`typegrad: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`typegrad: internal error: ${(e as Error)?.stack ?? e}\n`);
      process.exitCode = 1;
    }
  },
);
