/**
 * Typed C struct layouts for the FUSE wire format: a layout reads a struct from a DataView and
 * writes one back, little-endian, field by field in declaration order (the kernel's structs are
 * padded to 64 bits, so no implicit alignment is needed). A field is a scalar type, a nested layout,
 * or a number of reserved bytes (padding, unused[]) that are written as zero and never read.
 */

type Scalar = 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'u64n';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any struct may nest in any other
type FieldSpec = Scalar | number | Layout<any>;
export type StructSpec = Readonly<Record<string, FieldSpec>>;

type FieldValue<F> = F extends 'u64n' ? bigint : F extends Scalar ? number : F extends Layout<infer T> ? T : never;
/** The JS shape of a struct: reserved bytes have no field; u64n (ids copied verbatim) is a bigint. */
export type StructOf<S extends StructSpec> = { -readonly [K in keyof S as S[K] extends number ? never : K]: FieldValue<S[K]> };

/** The JS value a layout reads and writes. */
export type ValueOf<L> = L extends Layout<infer T> ? T : never;

export interface Layout<T> {
  readonly size: number;
  read(view: DataView, at: number): T;
  write(view: DataView, at: number, value: T): void;
}

const SCALAR_BYTES: Record<Scalar, number> = { u16: 2, u32: 4, i32: 4, u64: 8, i64: 8, u64n: 8 };
const TWO_32 = 2 ** 32;

/** u64 as a number: exact below 2^53, which covers sizes, offsets, inode numbers and handles. */
function readU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * TWO_32;
}

function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % TWO_32, true);
  view.setUint32(at + 4, Math.floor(value / TWO_32), true);
}

function readScalar(type: Scalar, view: DataView, at: number): number | bigint {
  switch (type) {
    case 'u16': return view.getUint16(at, true);
    case 'u32': return view.getUint32(at, true);
    case 'i32': return view.getInt32(at, true);
    case 'u64': return readU64(view, at);
    case 'i64': return Number(view.getBigInt64(at, true));
    case 'u64n': return view.getBigUint64(at, true);
  }
}

function writeScalar(type: Scalar, view: DataView, at: number, value: number | bigint): void {
  switch (type) {
    case 'u16': return view.setUint16(at, value as number, true);
    case 'u32': return view.setUint32(at, value as number, true);
    case 'i32': return view.setInt32(at, value as number, true);
    case 'u64': return writeU64(view, at, value as number);
    case 'i64': return view.setBigInt64(at, BigInt(value), true);
    case 'u64n': return view.setBigUint64(at, value as bigint, true);
  }
}

interface Field {
  name: string;
  offset: number;
  spec: FieldSpec;
}

/** A layout from field declarations in C order; `size` must match the kernel's sizeof. */
export function struct<S extends StructSpec>(spec: S, size: number): Layout<StructOf<S>> {
  const fields: Field[] = [];
  let offset = 0;
  for (const [name, field] of Object.entries(spec)) {
    fields.push({ name, offset, spec: field });
    offset += typeof field === 'number' ? field : typeof field === 'string' ? SCALAR_BYTES[field] : field.size;
  }
  if (offset !== size) throw new Error(`struct layout is ${offset} bytes, expected ${size}`);
  const values = fields.filter((field) => typeof field.spec !== 'number');
  return {
    size,
    read(view, at) {
      const out: Record<string, unknown> = {};
      for (const { name, offset: off, spec: field } of values) {
        out[name] = typeof field === 'string' ? readScalar(field, view, at + off) : (field as Layout<unknown>).read(view, at + off);
      }
      return out as StructOf<S>;
    },
    write(view, at, value) {
      new Uint8Array(view.buffer, view.byteOffset + at, size).fill(0);
      const record = value as Record<string, unknown>;
      for (const { name, offset: off, spec: field } of values) {
        if (typeof field === 'string') writeScalar(field, view, at + off, record[name] as number | bigint);
        else (field as Layout<unknown>).write(view, at + off, record[name]);
      }
    },
  };
}

/** A DataView over exactly `bytes` (which may be a slice of a larger buffer). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
