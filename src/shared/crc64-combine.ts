/**
 * CRC-64/XZ (the "ECMA-182" CRC that OSS reports in `x-oss-hash-crc64ecma`) of a concatenation,
 * computed from the CRCs of its pieces without reading any bytes: zlib's `crc32_combine` method
 * (GF(2) matrices), with 64-bit rows. CompleteMultipartUpload relies on it because it never re-reads
 * part data.
 *
 * A 64-bit value is held as two unsigned 32-bit halves so that the inner loops stay in plain
 * numbers; bigint appears only at the module edge.
 */

/** Reflected polynomial of CRC-64/XZ. */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

/** 64 rows of a 64×64 GF(2) matrix: row i at [2i] (high half) and [2i+1] (low half). */
type Gf2Matrix = Uint32Array;

function timesVector(matrix: Gf2Matrix, hi: number, lo: number): [number, number] {
  let outHi = 0;
  let outLo = 0;
  let row = 0;
  // Bit i of the vector (counting from the least significant) selects row i.
  for (let bits = lo; bits !== 0; bits >>>= 1, row++) {
    if (bits & 1) {
      outHi ^= matrix[2 * row]!;
      outLo ^= matrix[2 * row + 1]!;
    }
  }
  row = 32;
  for (let bits = hi; bits !== 0; bits >>>= 1, row++) {
    if (bits & 1) {
      outHi ^= matrix[2 * row]!;
      outLo ^= matrix[2 * row + 1]!;
    }
  }
  return [outHi >>> 0, outLo >>> 0];
}

function square(matrix: Gf2Matrix): Gf2Matrix {
  const result = new Uint32Array(128);
  for (let row = 0; row < 64; row++) {
    const [hi, lo] = timesVector(matrix, matrix[2 * row]!, matrix[2 * row + 1]!);
    result[2 * row] = hi;
    result[2 * row + 1] = lo;
  }
  return result;
}

/** `zeroBytes[k]` shifts a CRC register over 2^k zero bytes; computed once, reused by every combine. */
const zeroBytes: Gf2Matrix[] = buildZeroByteOperators();

function buildZeroByteOperators(): Gf2Matrix[] {
  // Operator for one zero bit: row 0 is the polynomial, row i (i ≥ 1) shifts bit i down to bit i-1.
  let operator: Gf2Matrix = new Uint32Array(128);
  operator[0] = POLY_HI;
  operator[1] = POLY_LO;
  for (let row = 1; row < 64; row++) {
    const bit = row - 1;
    operator[2 * row] = bit >= 32 ? (1 << (bit - 32)) >>> 0 : 0;
    operator[2 * row + 1] = bit < 32 ? (1 << bit) >>> 0 : 0;
  }
  operator = square(operator); // 2 bits
  operator = square(operator); // 4 bits
  operator = square(operator); // 8 bits = 1 byte
  const operators = [operator];
  // Lengths up to 2^53 bytes, far beyond the 48.8 TB multipart limit.
  for (let k = 1; k < 53; k++) operators.push(square(operators[k - 1]!));
  return operators;
}

/** CRC of `A ‖ B` given crc(A), crc(B) and the byte length of B. */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) throw new RangeError(`invalid length ${lengthB}`);
  let hi = Number(crcA >> 32n);
  let lo = Number(crcA & 0xffffffffn);
  let remaining = lengthB;
  for (let k = 0; remaining > 0; k++, remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) [hi, lo] = timesVector(zeroBytes[k]!, hi, lo);
  }
  const shifted = (BigInt(hi) << 32n) | BigInt(lo);
  return shifted ^ crcB;
}

/** Folds the CRCs of consecutive pieces into the CRC of their concatenation (empty list → 0). */
export function crc64Concat(pieces: ReadonlyArray<{ crc64: bigint; size: number }>): bigint {
  let crc = 0n;
  for (const piece of pieces) crc = crc64Combine(crc, piece.crc64, piece.size);
  return crc;
}
