// A restricted unpickler: Python's pickle virtual machine for the opcodes of protocols 1 to 5 that build
// plain values (None, bools, ints, floats, str, bytes, lists, tuples, dicts), with every import (GLOBAL,
// STACK_GLOBAL) and every call (REDUCE, NEWOBJ, BUILD, persistent ids) handed to the caller, which allows
// what it knows and refuses the rest. Nothing here can run code: a global is a name, and what "calling"
// it means is the caller's own function. Opcodes that only matter for arbitrary objects (INST, OBJ, the
// extension registry, out-of-band buffers) and protocol 0's text opcodes are refused by name.
//
// Memory is bounded by the input: every push costs at least one byte, and every length read from the
// stream is checked against the bytes left before anything is allocated.

/** A Python tuple (arrays are lists): REDUCE's arguments must be one, and APPEND must not reach one. */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A Python dict or OrderedDict, keyed by str or int (the keys a state dict or checkpoint uses). */
export class PyDict {
  /** 's' + str or 'i' + int → [key, value], in insertion order (an overwrite keeps its place, as in Python). */
  readonly entries = new Map<string, [string | number | bigint, unknown]>();
  constructor(readonly ordered: boolean) {}
}

/** A `module.name` that GLOBAL or STACK_GLOBAL named and the caller allowed. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface UnpickleHooks {
  /** Returns the value a GLOBAL stands for, or throws (refusing it); `at` says where, for the error. */
  global(module: string, name: string, at: string): unknown;
  /** REDUCE and NEWOBJ: `fn(*args)`; `bad` throws a malformed-pickle error at this opcode. */
  call(fn: unknown, args: readonly unknown[], bad: Fail): unknown;
  /** BUILD: set `target`'s state. */
  build(target: unknown, state: unknown, bad: Fail): void;
  /** BINPERSID: the object a persistent id stands for. */
  persistentLoad(pid: unknown, bad: Fail): unknown;
}

/** Throws the caller's error for a malformed pickle. */
export type Fail = (why: string) => never;

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT', 0x4b: 'BININT1',
  0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT',
  0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT',
  0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE',
  0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE',
  0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

const WHY_UNSUPPORTED: Record<string, string> = {
  INST: 'it builds an arbitrary object', OBJ: 'it builds an arbitrary object', EXT1: 'it reads the copyreg extension registry',
  EXT2: 'it reads the copyreg extension registry', EXT4: 'it reads the copyreg extension registry', NEXT_BUFFER: 'out-of-band buffers are not supported',
  READONLY_BUFFER: 'out-of-band buffers are not supported', EMPTY_SET: 'sets are not supported', ADDITEMS: 'sets are not supported',
  FROZENSET: 'sets are not supported', NEWOBJ_EX: 'keyword-argument construction is not supported', PERSID: 'protocol 0 (text) is not supported',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A dict key as PyDict stores it; other key types are refused (they have no string form to return). */
export function dictKey(key: unknown, fail: Fail): string {
  if (typeof key === 'string') return 's' + key;
  if ((typeof key === 'number' && Number.isInteger(key)) || typeof key === 'bigint') return 'i' + String(key);
  return fail(`a dict key is ${describe(key)}; only str and int keys are supported`);
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof PyDict) return 'a dict';
  if (v instanceof PyGlobal) return `the global ${v}`;
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (typeof v === 'string') return `the str ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `the ${typeof v === 'boolean' ? 'bool' : Number.isInteger(v) || typeof v === 'bigint' ? 'int' : 'float'} ${v}`;
  return `a ${(v as object)?.constructor?.name ?? typeof v}`;
}

/**
 * Runs the pickle starting at `start` up to its STOP and returns the value and the position after STOP.
 * `where` names the pickle in errors (e.g. 'data.pkl').
 */
export function unpickle(buf: Uint8Array, start: number, hooks: UnpickleHooks, where: string, fail: Fail): { value: unknown; end: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let pos = start;
  let at = start; // the current opcode's position, for errors
  let name = '';

  const bad = (why: string): never => fail(`${where}, byte ${at - start}, ${name}: ${why}`);
  const need = (n: number): number => {
    if (n > buf.length - pos) bad(`needs ${n} bytes but only ${buf.length - pos} are left (truncated?)`);
    const p = pos;
    pos += n;
    return p;
  };
  const u8 = () => buf[need(1)];
  const u32 = () => view.getUint32(need(4), true);
  const u64 = (): number => {
    const n = view.getBigUint64(need(8), true);
    if (n > BigInt(buf.length)) bad(`claims a length of ${n} bytes, more than the whole input`);
    return Number(n);
  };
  const pop = (): unknown => {
    if (stack.length === 0) bad('the stack is empty');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) bad('the stack is empty');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = marks.pop();
    if (!previous) bad('no MARK to pop to');
    stack = previous!;
    return items;
  };
  const text = (n: number): string => {
    const p = need(n);
    try {
      return utf8.decode(buf.subarray(p, p + n));
    } catch {
      return bad('the string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > 1000) bad('expected a short newline-terminated name');
    return text(nl - pos + 1).slice(0, -1);
  };
  const get = (i: number): unknown => {
    if (!memo.has(i)) bad(`memo entry ${i} was never stored`);
    return memo.get(i);
  };
  const setItems = (dict: unknown, items: readonly unknown[]): void => {
    if (!(dict instanceof PyDict)) bad(`expected a dict to set items in, got ${describe(dict)}`);
    if (items.length % 2) bad('an odd number of items (key without value)');
    for (let i = 0; i < items.length; i += 2) (dict as PyDict).entries.set(dictKey(items[i], bad), [items[i] as string | number | bigint, items[i + 1]]);
  };
  const append = (list: unknown, items: readonly unknown[]): void => {
    if (!Array.isArray(list)) bad(`expected a list to append to, got ${describe(list)}`);
    for (const v of items) (list as unknown[]).push(v);
  };
  const signed = (p: number, n: number): number | bigint => {
    // little-endian two's complement, as LONG1/LONG4 store Python ints
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[p + i]);
    if (n > 0 && buf[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    at = pos;
    if (pos >= buf.length) {
      name = 'the end';
      bad('the pickle ends without STOP (truncated?)');
    }
    const op = buf[pos++];
    const hex = `0x${op.toString(16).padStart(2, '0')}`;
    name = OPCODE_NAMES[op] ? `${OPCODE_NAMES[op]} (${hex})` : `opcode ${hex}`;
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) bad(`pickle protocol ${v} is newer than 5`);
        break;
      }
      case 0x95: // FRAME: a length prefix for buffering; the opcodes inside are read as usual
        if (u64() > buf.length - pos) bad('the frame is longer than the bytes left');
        break;
      case 0x2e: // STOP
        if (marks.length) bad('a MARK is still open');
        if (stack.length !== 1) bad(`expected one value on the stack, found ${stack.length}`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark(); // POP of a MARK, as CPython does
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(view.getUint16(need(2), true)); break; // BININT2
      case 0x8a: { // LONG1
        const n = u8();
        stack.push(signed(need(n), n));
        break;
      }
      case 0x8b: { // LONG4
        const n = u32();
        if (n > 10_000) bad(`an int of ${n} bytes`);
        stack.push(signed(need(n), n));
        break;
      }
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x58: stack.push(text(u32())); break; // BINUNICODE
      case 0x8c: stack.push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64())); break; // BINUNICODE8
      case 0x54: stack.push(text(u32())); break; // BINSTRING (Python 2 str, decoded as UTF-8 like torch.load)
      case 0x55: stack.push(text(u8())); break; // SHORT_BINSTRING
      case 0x42: // BINBYTES
      case 0x43: // SHORT_BINBYTES
      case 0x8e: // BINBYTES8
      case 0x96: { // BYTEARRAY8
        const n = op === 0x43 ? u8() : op === 0x42 ? u32() : u64();
        const p = need(n);
        stack.push(buf.slice(p, p + n));
        break;
      }
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x74: { // TUPLE
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: { // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: stack.push(new PyDict(false)); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark();
        const d = new PyDict(false);
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(get(u8())); break; // BINGET
      case 0x6a: stack.push(get(u32())); break; // LONG_BINGET
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(hooks.global(module, line(), `${where}, byte ${at - start}`));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const n = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof n !== 'string') bad(`expected a module and a name (str), got ${describe(module)} and ${describe(n)}`);
        stack.push(hooks.global(module as string, n as string, `${where}, byte ${at - start}`));
        break;
      }
      case 0x52: // REDUCE
      case 0x81: { // NEWOBJ
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) bad(`the arguments must be a tuple, got ${describe(args)}`);
        stack.push(hooks.call(fn, (args as PyTuple).items, bad));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        hooks.build(top(), state, bad);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop(), bad));
        break;
      default:
        bad(`unsupported pickle opcode${OPCODE_NAMES[op] ? `: ${WHY_UNSUPPORTED[OPCODE_NAMES[op]] ?? 'protocol 0 (text) opcodes are not supported'}` : ''}`);
    }
  }
}
