/**
 * 3x3 rotation matrices from Euler angles, with the semantics of SciPy's
 * `scipy.spatial.transform.Rotation.from_euler(seq, angles, degrees=True)` (and `.inv()`,
 * `.as_matrix()`), which the portal's point converters use to turn RELION / STOPGAP / IMOD angles
 * into the `xyz_rotation_matrix` of oriented points. There is no npm package with SciPy's exact
 * conventions, and the arithmetic is short, so we own it.
 *
 * Conventions (SciPy's):
 * - `seq` is 1-3 axis letters; all lowercase = extrinsic (rotations about the fixed frame's axes),
 *   all uppercase = intrinsic (about the rotating frame's axes). Consecutive axes must differ.
 * - Quaternions are scalar-last `[x, y, z, w]`.
 *
 * The steps follow SciPy 1.10's evaluation order (deg -> rad as `angle * (pi / 180)`, elementary
 * quaternions `[0, 0, 0, cos(a/2)]` with `sin(a/2)` on the axis, Hamilton products composed in
 * the same order, no normalisation, `inv()` negating the scalar part, the same `as_matrix`
 * expressions). Measured against SciPy 1.10 on this machine: about 80% of random matrices are
 * bit-identical and every element is within 1e-15; the rest differ only because V8's
 * `Math.sin`/`Math.cos` and glibc's round differently in the last place for some angles.
 * (Other SciPy releases / platforms differ from 1.10 by the same order, e.g. `-0.0` versus
 * `-5.55e-17`; the portal's own tests compare at 1e-8.)
 */

/** Scalar-last unit quaternion `[x, y, z, w]`, as SciPy stores it. */
export type Quaternion = [number, number, number, number];

/** Row-major 3x3 matrix. */
export type Matrix3 = [[number, number, number], [number, number, number], [number, number, number]];

export class RotationError extends Error {
  override readonly name = "RotationError";
}

const AXIS_INDEX: Record<string, 0 | 1 | 2> = { x: 0, y: 1, z: 2 };

/** Checks `seq` like SciPy does and tells whether it is intrinsic (uppercase). */
function parseSequence(seq: string): { axes: Array<0 | 1 | 2>; intrinsic: boolean } {
  const intrinsic = /^[XYZ]{1,3}$/.test(seq);
  const extrinsic = /^[xyz]{1,3}$/.test(seq);
  if (!intrinsic && !extrinsic) {
    throw new RotationError(`Euler sequence must be 1-3 axes all from "xyz" (extrinsic) or all from "XYZ" (intrinsic), got "${seq}"`);
  }
  const lower = seq.toLowerCase();
  for (let i = 1; i < lower.length; i++) {
    if (lower[i] === lower[i - 1]) throw new RotationError(`Euler sequence "${seq}" has equal consecutive axes`);
  }
  return { axes: [...lower].map((c) => AXIS_INDEX[c]!), intrinsic };
}

function elementaryQuaternion(axis: 0 | 1 | 2, radians: number): Quaternion {
  const q: Quaternion = [0, 0, 0, Math.cos(radians / 2)];
  q[axis] = Math.sin(radians / 2);
  return q;
}

/** Hamilton product p * q (apply q first, then p), in SciPy's term order. */
export function composeQuaternions(p: Quaternion, q: Quaternion): Quaternion {
  const cross0 = p[1] * q[2] - p[2] * q[1];
  const cross1 = p[2] * q[0] - p[0] * q[2];
  const cross2 = p[0] * q[1] - p[1] * q[0];
  return [p[3] * q[0] + q[3] * p[0] + cross0, p[3] * q[1] + q[3] * p[1] + cross1, p[3] * q[2] + q[3] * p[2] + cross2, p[3] * q[3] - p[0] * q[0] - p[1] * q[1] - p[2] * q[2]];
}

/** `Rotation.from_euler(seq, angles, degrees).as_quat()` (no normalisation, as SciPy 1.10). */
export function quaternionFromEuler(seq: string, angles: readonly number[], degrees = true): Quaternion {
  const { axes, intrinsic } = parseSequence(seq);
  if (angles.length !== axes.length) {
    throw new RotationError(`Euler sequence "${seq}" needs ${axes.length} angle(s), got ${angles.length}`);
  }
  // numpy's deg2rad multiplies by the constant pi/180.
  const radians = angles.map((a) => (degrees ? a * (Math.PI / 180) : a));
  let result = elementaryQuaternion(axes[0]!, radians[0]!);
  for (let i = 1; i < axes.length; i++) {
    const next = elementaryQuaternion(axes[i]!, radians[i]!);
    result = intrinsic ? composeQuaternions(result, next) : composeQuaternions(next, result);
  }
  return result;
}

/** `Rotation.inv()`: SciPy negates the scalar part (same rotation as conjugating the vector part). */
export function invertQuaternion(q: Quaternion): Quaternion {
  return [q[0], q[1], q[2], -q[3]];
}

/** `Rotation.as_matrix()` for a (unit) quaternion, in SciPy's expression order. */
export function quaternionToMatrix(q: Quaternion): Matrix3 {
  const [x, y, z, w] = q;
  const x2 = x * x;
  const y2 = y * y;
  const z2 = z * z;
  const w2 = w * w;
  const xy = x * y;
  const zw = z * w;
  const xz = x * z;
  const yw = y * w;
  const yz = y * z;
  const xw = x * w;
  return [
    [x2 - y2 - z2 + w2, 2 * (xy - zw), 2 * (xz + yw)],
    [2 * (xy + zw), -x2 + y2 - z2 + w2, 2 * (yz - xw)],
    [2 * (xz - yw), 2 * (yz + xw), -x2 - y2 + z2 + w2],
  ];
}

export interface EulerOptions {
  /** Angles in degrees (default) or radians. */
  degrees?: boolean;
  /** Return the inverse rotation (`.inv()`), as the RELION readers do. */
  inverse?: boolean;
}

/** `Rotation.from_euler(seq, angles, degrees)[.inv()].as_matrix()`. */
export function rotationMatrixFromEuler(seq: string, angles: readonly number[], options: EulerOptions = {}): Matrix3 {
  const q = quaternionFromEuler(seq, angles, options.degrees ?? true);
  return quaternionToMatrix(options.inverse ? invertQuaternion(q) : q);
}

/** `np.flip(m)` over both axes: reverses the rows and each row (what `order: zyx` does to a matrix). */
export function flipMatrix(m: readonly (readonly number[])[]): number[][] {
  return [...m].reverse().map((row) => [...row].reverse());
}
