// Node's built-in modules without a static `import 'node:…'`, so that every folder's code still bundles
// and loads in a browser: process.getBuiltinModule (Node >= 20.16) hands a module over synchronously,
// and undefined outside Node lets each caller say what to do there instead.

/** A Node built-in ('node:fs', 'node:os', …), or undefined outside Node. */
export function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?(id: string): unknown } }).process;
  return proc?.versions?.node ? (proc.getBuiltinModule?.(id) as T | undefined) : undefined;
}
