// The subset of ONNX's protobuf messages (onnx/onnx.proto, proto2) that the exporter writes and the
// importer reads, a writer for protobuf's wire format: varints (wire type 0), 32-bit floats (wire type
// 5) and length-delimited bytes (wire type 2, also nested messages), and a strict reader of it. Each
// message is encoded on its own and nested as bytes, so no lengths need to be known in advance.
// Repeated scalars are written unpacked, one field per value, which every proto2 parser reads; the
// reader takes them packed or not.
//
// Hand-written rather than a library: the package's install-size limit (tests/package/consumer.test.ts,
// 5 MB) had about 60 kB left, and `npm pack --dry-run` gives protobufjs 8.8.1 an unpacked size of
// 3.78 MB, onnx-proto 8.0.1 430 kB plus protobufjs 6 beneath it. The subset ONNX needs is small.

/** Field numbers from onnx.proto, each declared once. */
export const FIELD = {
  model: { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, sparseInitializer: 15 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, floats: 7, ints: 8, strings: 9, type: 20 },
  tensor: { dims: 1, dataType: 2, segment: 3, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, doubleData: 10, externalData: 13, dataLocation: 14 },
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
const utf8 = new TextEncoder();

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

/** How the reader decodes a known field: a scalar, a repeated scalar (packed or not), or a message (repeated with []). */
type FieldKind = 'int' | 'ints' | 'float' | 'floats' | 'doubles' | 'string' | 'strings' | 'bytes' | MessageName | `${MessageName}[]`;
type MessageName = keyof typeof FIELD;

/** The fields the importer reads, by FIELD's names; any other field is skipped, as protobuf does. */
const SCHEMA: { [M in MessageName]: Partial<Record<keyof (typeof FIELD)[M], FieldKind>> } = {
  model: { irVersion: 'int', graph: 'graph', opsetImport: 'opset[]' },
  opset: { domain: 'string', version: 'int' },
  graph: { node: 'node[]', name: 'string', initializer: 'tensor[]', input: 'valueInfo[]', output: 'valueInfo[]', sparseInitializer: 'bytes' },
  node: { input: 'strings', output: 'strings', name: 'string', opType: 'string', attribute: 'attribute[]', domain: 'string' },
  attribute: { name: 'string', f: 'float', i: 'int', s: 'string', t: 'tensor', g: 'bytes', floats: 'floats', ints: 'ints', strings: 'strings', type: 'int' },
  tensor: { dims: 'ints', dataType: 'int', segment: 'bytes', floatData: 'floats', int32Data: 'ints', int64Data: 'ints', name: 'string', rawData: 'bytes', doubleData: 'doubles', externalData: 'bytes', dataLocation: 'int' },
  valueInfo: { name: 'string', type: 'type' },
  type: { tensorType: 'tensorType' },
  tensorType: { elemType: 'int', shape: 'shape' },
  shape: { dim: 'dimension[]' },
  dimension: { dimValue: 'int', dimParam: 'string' },
};

/** A decoded message: its fields by name; `at` is the byte offset where it starts (for errors). */
export type Decoded = { at: number } & Record<string, unknown>;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** protobuf's wire format read strictly: every length and varint is checked against the bytes there are. */
class ProtoReader {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (at: number, message: string) => never,
  ) {}

  /** An unsigned varint (up to 64 bits) at `at`, and where it ends. */
  varint(at: number, end: number): [bigint, number] {
    let value = 0n;
    for (let shift = 0n, i = at; shift < 70n; shift += 7n, i++) {
      if (i >= end) this.fail(at, 'expected a varint, the message ends inside it (truncated)');
      const byte = this.bytes[i];
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return [BigInt.asUintN(64, value), i + 1];
    }
    return this.fail(at, 'expected a varint of at most 10 bytes, got a longer one');
  }

  /** A varint as int64 (two's complement), as a JS number. */
  int(at: number, end: number): [number, number] {
    const [v, next] = this.varint(at, end);
    return [Number(BigInt.asIntN(64, v)), next];
  }

  decode(name: MessageName, start: number, end: number): Decoded {
    const kinds = SCHEMA[name] as Record<string, FieldKind>;
    const keyOf = new Map(Object.entries(FIELD[name]).map(([k, field]) => [field as number, k]));
    const out: Decoded = { at: start };
    const list = (k: string) => (out[k] ??= []) as unknown[];
    let at = start;
    while (at < end) {
      const fieldStart = at;
      const [key, afterKey] = this.varint(at, end);
      const field = Number(key >> 3n);
      const wire = Number(key & 7n);
      at = afterKey;
      let length = 0;
      if (wire === WIRE.bytes) {
        [length, at] = this.int(at, end);
        if (length < 0 || at + length > end) this.fail(fieldStart, `field ${field} of ${name} declares ${length} bytes, but only ${end - at} are left in the message`);
      } else if (wire === WIRE.fixed32 || wire === WIRE.fixed64) {
        length = wire === WIRE.fixed32 ? 4 : 8;
        if (at + length > end) this.fail(fieldStart, `field ${field} of ${name} needs ${length} bytes, but only ${end - at} are left in the message`);
      } else if (wire !== WIRE.varint) {
        this.fail(fieldStart, `expected a wire type 0, 1, 2 or 5 (field ${field} of ${name}), got ${wire}`);
      }
      const k = keyOf.get(field);
      const kind = k === undefined ? undefined : kinds[k];
      if (kind === undefined || k === undefined) {
        at = wire === WIRE.varint ? this.varint(at, end)[1] : at + length; // unknown: skipped
        continue;
      }
      const scalar = kind === 'bytes' ? kind : kind.replace(/s$|\[\]$/, '');
      const repeated = kind !== scalar;
      const expected = scalar === 'int' ? WIRE.varint : scalar === 'float' ? WIRE.fixed32 : scalar === 'double' ? WIRE.fixed64 : WIRE.bytes;
      const packed = repeated && wire === WIRE.bytes && expected !== WIRE.bytes;
      if (wire !== expected && !packed) this.fail(fieldStart, `expected wire type ${expected} for ${name}.${k} (field ${field}), got ${wire}`);
      if (scalar === 'int') {
        if (packed) {
          const values = list(k);
          for (let p = at; p < at + length; ) {
            let v: number;
            [v, p] = this.int(p, at + length);
            values.push(v);
          }
          at += length;
        } else {
          let v: number;
          [v, at] = this.int(at, end);
          if (repeated) list(k).push(v);
          else out[k] = v;
        }
        continue;
      }
      const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + at, length);
      if (scalar === 'float' || scalar === 'double') {
        const size = scalar === 'float' ? 4 : 8;
        if (length % size !== 0) this.fail(fieldStart, `expected packed ${name}.${k} of ${size}-byte values, got ${length} bytes`);
        const read = (i: number) => (size === 4 ? view.getFloat32(i, true) : view.getFloat64(i, true));
        if (repeated) for (let i = 0; i < length; i += size) list(k).push(read(i));
        else out[k] = read(0);
      } else if (scalar === 'string') {
        let text: string;
        try {
          text = utf8Decoder.decode(this.bytes.subarray(at, at + length));
        } catch {
          this.fail(fieldStart, `expected UTF-8 text in ${name}.${k}, got bytes that are not`);
        }
        if (repeated) list(k).push(text);
        else out[k] = text;
      } else if (scalar === 'bytes') {
        out[k] = this.bytes.subarray(at, at + length);
      } else {
        const message = this.decode(scalar as MessageName, at, at + length);
        if (repeated) list(k).push(message);
        else out[k] = message;
      }
      at += length;
    }
    return out;
  }
}

/**
 * Decodes a ModelProto's bytes into plain objects keyed by FIELD's names (repeated fields as arrays;
 * bytes fields as views into `bytes`). `fail` throws the caller's error for a malformed file.
 */
export function decodeModel(bytes: Uint8Array, fail: (at: number, message: string) => never): Decoded {
  return new ProtoReader(bytes, fail).decode('model', 0, bytes.length);
}
