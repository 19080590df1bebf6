// A user mistake (bad option, missing file, wrong model file): main prints its message on one line
// and exits with code 2, like argparse; anything else is a bug and keeps its stack trace.

export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Runs fn, turning any error it throws into a UsageError with `context` in front. */
export async function asUsage<T>(context: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${context}: ${firstLine((e as Error).message ?? String(e))}`);
  }
}

export function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
}
