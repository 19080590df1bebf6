// Command-line parsing: `typegrad <command> [positionals] [--name value | --name=value | --flag]`.
// Each command declares its options with a type, so a typo or a bad value is a one-line UsageError
// naming the option, before anything slow happens.

import { UsageError } from './errors.js';

export type OptionType = 'int' | 'number' | 'string' | 'flag';

export interface OptionSpec {
  type: OptionType;
  /** allowed values (strings) */
  choices?: readonly string[];
  /** smallest allowed value (int/number) */
  min?: number;
  /** the value must be > min rather than >= */
  exclusiveMin?: boolean;
  max?: number;
  help: string;
  default?: string | number | boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type ParsedOptions = Record<string, string | number | boolean | undefined>;

export interface Parsed {
  options: ParsedOptions;
  positionals: string[];
}

/** A number as written in decimal (so '0x10', 'Infinity' and '' are refused rather than read as 16, ∞ or 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function convert(command: string, name: string, spec: OptionSpec, raw: string): string | number {
  const where = `typegrad ${command}: --${name}`;
  if (raw === '') throw new UsageError(`${where} needs a value, got an empty string`);
  if (spec.type === 'string') return checkValue(where, spec, raw);
  if (!DECIMAL.test(raw)) throw new UsageError(`${where} expects a decimal number, got '${raw}'`);
  return checkValue(where, spec, Number(raw));
}

/**
 * Checks a value against its option's spec (type, choices, range): for values from the command line
 * and for settings read back from a run's files. `where` starts the error message.
 */
export function checkValue(where: string, spec: OptionSpec, v: unknown): string | number {
  if (spec.type === 'string') {
    if (typeof v !== 'string' || v === '') throw new UsageError(`${where} expects a non-empty string, got ${JSON.stringify(v)}`);
    if (spec.choices && !spec.choices.includes(v)) throw new UsageError(`${where} must be one of ${spec.choices.join(', ')}, got '${v}'`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`${where} expects a number, got ${JSON.stringify(v)}`);
  if (spec.type === 'int' && !Number.isSafeInteger(v)) throw new UsageError(`${where} expects an integer below 2^53, got ${v}`);
  if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) throw new UsageError(`${where} must be ${spec.exclusiveMin ? '>' : '>='} ${spec.min}, got ${v}`);
  if (spec.max !== undefined && v > spec.max) throw new UsageError(`${where} must be <= ${spec.max}, got ${v}`);
  return v;
}

/** Parses argv (after the command name) against the command's option specs; defaults fill the rest. */
export function parseArgs(command: string, argv: readonly string[], specs: OptionSpecs, maxPositionals = 0): Parsed {
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) throw new UsageError(`typegrad ${command}: unknown option '${arg}' (options start with --; see typegrad ${command} --help)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`typegrad ${command}: unknown option '--${name}' (see typegrad ${command} --help)`);
    if (spec.type === 'flag') {
      if (eq >= 0) throw new UsageError(`typegrad ${command}: --${name} takes no value`);
      options[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) raw = argv[++i];
    if (raw === undefined) throw new UsageError(`typegrad ${command}: --${name} needs a value`);
    options[name] = convert(command, name, spec, raw);
  }
  if (positionals.length > maxPositionals) {
    throw new UsageError(`typegrad ${command}: unexpected argument '${positionals[maxPositionals]}'${maxPositionals === 0 ? ' (this command takes only --options)' : ''}`);
  }
  for (const [name, spec] of Object.entries(specs)) if (options[name] === undefined && spec.default !== undefined) options[name] = spec.default;
  return { options, positionals };
}

/** The --help text of a command: usage line, then one line per option. */
export function helpText(command: string, usage: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const value = s.type === 'flag' ? '' : s.choices ? ` ${s.choices.join('|')}` : ` ${s.type === 'string' ? 'VALUE' : s.type.toUpperCase()}`;
    const def = s.default !== undefined && s.type !== 'flag' ? ` (default ${s.default})` : '';
    return [`  --${name}${value}`, `${s.help}${def}`];
  });
  const width = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  return [`usage: typegrad ${command} ${usage}`, '', ...rows.map(([a, b]) => (a.length >= width ? `${a}\n${' '.repeat(width)}${b}` : a.padEnd(width) + b))].join('\n');
}
