// What the file readers share: other dtypes' bits as float32 values (typegrad's tensors are float32),
// and records that hold any key as data.

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE half precision bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits to a number: they are the top half of a float32's. */
export function bfloat16ToFloat(h: number): number {
  scratch.setUint32(0, (h << 16) >>> 0);
  return scratch.getFloat32(0);
}

/**
 * An integer as a float32 value, or null where float32 cannot hold it exactly (beyond 2^24 only some
 * are): a step count or an index that silently became its neighbour is worse than an error.
 */
export function exactInFloat32(value: number | bigint): number | null {
  const v = Number(value);
  if (Math.abs(v) <= 2 ** 24) return v;
  return Math.fround(v) === v && (typeof value !== 'bigint' || BigInt(v) === value) ? v : null;
}

/** Sets `record[key]` as an own property, so that a key named `__proto__` is an entry, not the prototype. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
