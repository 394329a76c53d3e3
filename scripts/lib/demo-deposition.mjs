// Generates a small synthetic cryo-ET deposition (two runs with mdoc, frames, gains, an
// identified-objects table, key photos and a run data map) for the demo and the end-to-end tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A valid 1x1 greyscale PNG (signature, IHDR, IDAT, IEND). */
export const TINY_PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010800000000376ef9240000000a49444154789c6360000000020001e221bc330000000049454e44ae426082",
  "hex",
);

export const DEMO_RUNS = ["TS_01", "TS_02"];
export const DEMO_TILTS = [0, -3, 3];

export function mdocText(run, tilts = DEMO_TILTS) {
  const lines = ["PixelSpacing = 1.35", `ImageFile = ${run}.mrc`, "ImageSize = 1024 1024", "DataMode = 1", "", "[T = SerialEM: Demo microscope]", ""];
  tilts.forEach((angle, z) => {
    lines.push(
      `[ZValue = ${z}]`,
      `TiltAngle = ${angle.toFixed(2)}`,
      `ExposureTime = ${(1 + z * 0.5).toFixed(1)}`,
      `SubFramePath = X:\\frames\\${run}_${String(z + 1).padStart(3, "0")}.tif`,
      "",
    );
  });
  return lines.join("\n");
}

/**
 * Writes the deposit under `root/deposit` and returns its layout. Tests pass more `runs` (named
 * like TS_01) and `frameBytes` of padding per frame to make runs that take measurable time.
 */
export function writeDemoDeposition(root, { runs = DEMO_RUNS, frameBytes = 0 } = {}) {
  const dep = join(root, "deposit");
  mkdirSync(join(dep, "key_photos"), { recursive: true });
  writeFileSync(join(dep, "key_photos", "snapshot.png"), TINY_PNG);
  writeFileSync(join(dep, "key_photos", "thumbnail.png"), TINY_PNG);
  const rates = (run, i) => (run === "TS_01" ? "2.5" : run === "TS_02" ? "3.0" : (2 + (i % 5) * 0.25).toFixed(2));
  writeFileSync(join(dep, "run_data_map.csv"), ["run_name,frame_dose_rate,voxel_spacing", ...runs.map((run, i) => `${run},${rates(run, i)},13.48`)].join("\n") + "\n");
  writeFileSync(
    join(dep, "identified_objects.csv"),
    ["run_name,object_id,x,y,z,label", "TS_01,1,10,20,30,ribosome", "TS_01,2,11.5,21,31,ribosome", "TS_02,3,5,6,7,proteasome"].join("\n") + "\n",
  );
  for (const run of runs) {
    const r = join(dep, run);
    mkdirSync(join(r, "frames"), { recursive: true });
    writeFileSync(join(r, `${run}.mdoc`), mdocText(run));
    DEMO_TILTS.forEach((_, z) =>
      writeFileSync(join(r, "frames", `${run}_${String(z + 1).padStart(3, "0")}.tif`), Buffer.concat([Buffer.from(`frame ${run} ${z}\n`), Buffer.alloc(frameBytes, z + 1)])),
    );
    writeFileSync(join(r, `${run}_gain.mrc`), `gain reference of ${run}\n`);
  }
  return { input: root, deposit: dep };
}
