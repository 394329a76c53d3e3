/**
 * Small helpers shared by the text mesh formats (OBJ, ASCII STL, ASCII VTK): strict decimal
 * parsing (no hex, no empty strings, no NaN/Infinity) and UTF-8/latin-1 tolerant decoding.
 */
import { MeshError } from "./errors.js";

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

export function parseDecimal(token: string | undefined, file: string, where: string, what: string): number {
  if (token === undefined) throw new MeshError(file, where, `missing ${what}`);
  if (!DECIMAL.test(token)) throw new MeshError(file, where, `${what} is not a number: ${JSON.stringify(token)}`);
  const value = Number(token);
  if (!Number.isFinite(value)) throw new MeshError(file, where, `${what} is not finite: ${token}`);
  return value;
}

export function parseInteger(token: string | undefined, file: string, where: string, what: string): number {
  if (token === undefined) throw new MeshError(file, where, `missing ${what}`);
  if (!INTEGER.test(token)) throw new MeshError(file, where, `${what} is not an integer: ${JSON.stringify(token)}`);
  const value = Number(token);
  if (!Number.isSafeInteger(value)) throw new MeshError(file, where, `${what} is out of range: ${token}`);
  return value;
}

/** Mesh text files are ASCII in practice; latin-1 decoding never fails and keeps byte = char. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}
