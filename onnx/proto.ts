// ONNX's protobuf messages (onnx.proto, proto2) as far as typegrad writes and reads them: a writer (repeated
// scalars unpacked) and a strict reader. Hand-written: the install limit (tests/package/consumer.test.ts) had
// ~60 kB left; `npm pack --dry-run` unpacks protobufjs 8.8.1 to 3.78 MB, onnx-proto 8.0.1 to 430 kB.
/** Field numbers from onnx.proto, each declared once. */
export const FIELD = {
  model: { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 },
  tensor: { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, doubleData: 10, externalData: 13, dataLocation: 14 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dimension: { dimValue: 1, dimParam: 2 },
} as const;

/** AttributeProto.AttributeType */
export const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** TensorProto.DataType */
export const DATA_TYPE = { float: 1, int32: 6, int64: 7, bool: 9, double: 11 } as const;

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;
const [utf8, fromUtf8] = [new TextEncoder(), new TextDecoder()];

/** One message's fields, in the order written. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private key(field: number, wire: number): void {
    this.push(encodeVarint(BigInt(field * 8 + wire)));
  }

  /** An int32/int64/enum field; negative values take ten bytes (two's complement), as protobuf's int64. */
  int(field: number, value: number | bigint): this {
    this.key(field, WIRE.varint);
    this.push(encodeVarint(BigInt.asUintN(64, BigInt(value))));
    return this;
  }

  ints(field: number, values: ReadonlyArray<number | bigint>): this {
    for (const v of values) this.int(field, v);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE.fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  floats(field: number, values: readonly number[]): this {
    for (const v of values) this.float(field, v);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE.bytes);
    this.push(encodeVarint(BigInt(value.length)));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function encodeVarint(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(bytes);
}

// ---------------------------------------------------------------- reading

/** How a known field is read: a scalar, repeated scalars (packed or not), or a message (repeated: []). */
type FieldKind = 'int' | 'ints' | 'float' | 'floats' | 'doubles' | 'string' | 'strings' | 'bytes' | MessageName | `${MessageName}[]`;
type MessageName = keyof typeof FIELD;

/** The fields the importer reads, by FIELD's names; any other field is skipped, as protobuf does. */
const SCHEMA: { [M in MessageName]: Partial<Record<keyof (typeof FIELD)[M], FieldKind>> } = {
  model: { irVersion: 'int', graph: 'graph', opsetImport: 'opset[]' },
  opset: { domain: 'string', version: 'int' },
  graph: { node: 'node[]', name: 'string', initializer: 'tensor[]', input: 'valueInfo[]', output: 'valueInfo[]' },
  node: { input: 'strings', output: 'strings', name: 'string', opType: 'string', attribute: 'attribute[]', domain: 'string' },
  attribute: { name: 'string', f: 'float', i: 'int', s: 'string', t: 'tensor', floats: 'floats', ints: 'ints', type: 'int' },
  tensor: { dims: 'ints', dataType: 'int', floatData: 'floats', int32Data: 'ints', int64Data: 'ints', name: 'string', rawData: 'bytes', doubleData: 'doubles', externalData: 'bytes', dataLocation: 'int' },
  valueInfo: { name: 'string', type: 'type' },
  type: { tensorType: 'tensorType' },
  tensorType: { elemType: 'int', shape: 'shape' },
  shape: { dim: 'dimension[]' },
  dimension: { dimValue: 'int', dimParam: 'string' },
};

/** A decoded message: its fields by name; `at` is the byte offset where it starts (for errors). */
export type Decoded = { at: number } & Record<string, unknown>;

/** A ModelProto's bytes as objects keyed by FIELD's names, every length and varint checked; `fail` throws the caller's error. */
export function decodeModel(bytes: Uint8Array, fail: (at: number, message: string) => never): Decoded {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** The varint at `at` as an int64, and where it ends. */
  const varint = (at: number, end: number): [number, number] => {
    let value = 0n;
    for (let i = at; i < at + 10; i++) {
      if (i >= end) fail(at, 'expected a varint, the message ends inside it (truncated)');
      value |= BigInt(bytes[i] & 0x7f) << BigInt(7 * (i - at));
      if (bytes[i] < 0x80) return [Number(BigInt.asIntN(64, value)), i + 1];
    }
    return fail(at, 'expected a varint of at most 10 bytes, got a longer one');
  };
  const decode = (name: MessageName, start: number, end: number): Decoded => {
    const kinds = SCHEMA[name] as Record<string, FieldKind>;
    const keys = Object.entries(FIELD[name]);
    const out: Decoded = { at: start };
    for (let at = start; at < end; ) {
      const fieldStart = at;
      let key: number;
      [key, at] = varint(at, end);
      const [field, wire] = [Math.floor(key / 8), key % 8];
      let length = wire === WIRE.fixed32 ? 4 : wire === WIRE.fixed64 ? 8 : 0;
      if (wire === WIRE.bytes) [length, at] = varint(at, end);
      else if (wire !== WIRE.varint && length === 0) fail(fieldStart, `expected a wire type 0, 1, 2 or 5 (field ${field} of ${name}), got ${wire}`);
      if (length < 0 || at + length > end) fail(fieldStart, `field ${field} of ${name} declares ${length} bytes, but only ${end - at} are left in the message`);
      const k = keys.find(([, f]) => f === field)?.[0];
      const kind = k === undefined ? undefined : kinds[k];
      if (k === undefined || kind === undefined) {
        at = wire === WIRE.varint ? varint(at, end)[1] : at + length; // unknown: skipped
        continue;
      }
      const scalar = kind === 'bytes' ? kind : kind.replace(/s$|\[\]$/, '');
      const expected = ({ int: WIRE.varint, float: WIRE.fixed32, double: WIRE.fixed64 } as Record<string, number>)[scalar] ?? WIRE.bytes;
      const packed = kind !== scalar && wire === WIRE.bytes && expected !== WIRE.bytes;
      if (wire !== expected && !packed) fail(fieldStart, `expected wire type ${expected} for ${name}.${k} (field ${field}), got ${wire}`);
      const values: unknown[] = [];
      let next = at + length;
      if (scalar === 'int') {
        if (!packed) [values[0], next] = varint(at, end);
        for (let p = at, v: number; packed && p < next; values.push(v)) [v, p] = varint(p, next);
      } else if (expected !== WIRE.bytes || packed) {
        const size = scalar === 'float' ? 4 : 8;
        if (length % size !== 0) fail(fieldStart, `expected ${name}.${k} of ${size}-byte values, got ${length} bytes`);
        for (let p = at; p < next; p += size) values.push(size === 4 ? view.getFloat32(p, true) : view.getFloat64(p, true));
      } else if (scalar === 'string') values.push(fromUtf8.decode(bytes.subarray(at, next)));
      else if (scalar === 'bytes') values.push(bytes.subarray(at, next));
      else values.push(decode(scalar as MessageName, at, next));
      at = next;
      if (kind === scalar) out[k] = values[0];
      else for (const v of values) ((out[k] ??= []) as unknown[]).push(v);
    }
    return out;
  };
  return decode('model', 0, bytes.length);
}
