import { describe, expect, it } from 'vitest';
import { helpText, parseArgs, type OptionSpecs } from '../../cli/args.js';
import { UsageError } from '../../cli/errors.js';

const specs: OptionSpecs = {
  epochs: { type: 'int', min: 1, default: 3, help: 'epochs' },
  lr: { type: 'number', min: 0, exclusiveMin: true, default: 3e-3, help: 'lr' },
  optimizer: { type: 'string', choices: ['adamw', 'sgd'], default: 'adamw', help: 'opt' },
  out: { type: 'string', help: 'dir' },
  help: { type: 'flag', help: 'help' },
};

const fails = (argv: string[], message: RegExp) => {
  let error: unknown;
  try {
    parseArgs('train', argv, specs);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
};

describe('parseArgs', () => {
  it('fills defaults and reads --name value, --name=value and flags', () => {
    expect(parseArgs('train', [], specs).options).toEqual({ epochs: 3, lr: 3e-3, optimizer: 'adamw' });
    const { options } = parseArgs('train', ['--epochs', '5', '--lr=0.1', '--optimizer', 'sgd', '--out', 'runs/x', '--help'], specs);
    expect(options).toEqual({ epochs: 5, lr: 0.1, optimizer: 'sgd', out: 'runs/x', help: true });
  });

  it('accepts negative-looking numbers as values and keeps positionals when allowed', () => {
    const s: OptionSpecs = { shift: { type: 'number', help: '' } };
    expect(parseArgs('x', ['--shift', '-2'], s).options.shift).toBe(-2);
    expect(parseArgs('predict', ['a.png', 'b.png'], {}, Infinity).positionals).toEqual(['a.png', 'b.png']);
  });

  it('rejects unknown options, naming them', () => {
    fails(['--epoch', '3'], /unknown option '--epoch'/);
    fails(['-e', '3'], /unknown option '-e'/);
  });

  it('rejects bad values, naming the option', () => {
    fails(['--epochs', 'three'], /--epochs expects a decimal number, got 'three'/);
    fails(['--epochs', '2.5'], /--epochs expects an integer/);
    fails(['--epochs', '0'], /--epochs must be >= 1/);
    fails(['--lr', '0'], /--lr must be > 0/);
    fails(['--optimizer', 'lion'], /--optimizer must be one of adamw, sgd, got 'lion'/);
    fails(['--out'], /--out needs a value/);
    fails(['--help=yes'], /--help takes no value/);
    fails(['stray'], /unexpected argument 'stray'/);
  });

  it('prints every option in --help', () => {
    const text = helpText('train', '[options]', specs);
    for (const name of Object.keys(specs)) expect(text).toContain(`--${name}`);
    expect(text).toContain('(default 3)');
  });
});
