/**
 * Run-wide state of the dicom profile, created by the profile's `prepare` hook: the settings, the
 * secret (memory only), the accumulated re-identification mappings, the lookup table, the
 * tracking database and the notifier. Every per-file outcome goes through here so the log, the
 * database and the notifications agree.
 */
import type { RunContext } from "@ingestkit/core";
import { mergeMappings, type DeidMappings } from "@ingestkit/formats";
import type { DeidPool } from "./deid-pool.js";
import type { LookupTable } from "./lookup.js";
import type { Notifier } from "./notify.js";
import type { DicomSettings } from "./settings.js";
import type { Tracking } from "./tracking.js";

/** Files read at once by the instance importer hold at most this many bytes (one file is always allowed). */
export const MAX_BYTES_IN_FLIGHT = 256 * 1024 * 1024;

/** A byte budget: `acquire(n)` waits until n more bytes fit (or nothing else is held). */
export class ByteBudget {
  private held = 0;
  private readonly waiting: Array<{ n: number; go: () => void }> = [];
  constructor(readonly limit: number) {}

  async acquire(n: number): Promise<void> {
    if (this.waiting.length === 0 && (this.held === 0 || this.held + n <= this.limit)) {
      this.held += n;
      return;
    }
    await new Promise<void>((go) => this.waiting.push({ n, go }));
  }

  release(n: number): void {
    this.held -= n;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (this.held !== 0 && this.held + next.n > this.limit) break;
      this.waiting.shift();
      this.held += next.n;
      next.go();
    }
  }
}

export class DicomRunState {
  readonly mappings: DeidMappings = { uids: {}, patientIds: {}, accessionNumbers: {}, dateShiftDays: {} };
  /** source location -> pipeline file id (1-based, in sorted source order, or the tracking db id) */
  private nextFileId = 1;
  readonly fileIds = new Map<string, number>();
  completed = 0;
  failed = 0;
  finished = false;
  /** When the re-identification mappings were last saved (ms since the epoch). */
  mappingsSavedAt = 0;
  /** compute the sha256 of the pixel data of every written file (`{pixel_hash}` in the instance path, or the images table) */
  readonly needsPixelHash: boolean;
  /** bounds the memory of instances in flight (the engine runs several per core) */
  readonly readBudget = new ByteBudget(MAX_BYTES_IN_FLIGHT);
  /** worker threads de-identifying local files (deid-pool.ts); none in copy mode, for other storages, or when set to 0 */
  pool: DeidPool | undefined;

  constructor(
    readonly settings: DicomSettings,
    readonly secret: string | undefined,
    readonly mappingsDir: string | undefined,
    readonly lookup: LookupTable | undefined,
    readonly tracking: Tracking | undefined,
    readonly notifier: Notifier | undefined,
  ) {
    this.needsPixelHash = settings.imageTable || /\{pixel_hash[}!:]/.test(settings.instancePath);
  }

  fileId(location: string): number {
    let id = this.fileIds.get(location);
    if (id === undefined) {
      id = this.tracking?.fileId(location) ?? this.nextFileId++;
      this.fileIds.set(location, id);
    }
    return id;
  }

  addMappings(m: DeidMappings): void {
    mergeMappings(this.mappings, m);
  }

  fileFailed(location: string, code: string, message: string): void {
    this.failed++;
    this.tracking?.fileStatus(location, "Failed", { code, message });
    this.notifier?.error({ file: location, code, message });
  }

  fileCompleted(location: string, outputKey: string): void {
    this.completed++;
    this.tracking?.fileStatus(location, "Completed", { outputKey });
  }
}

const KEY = "dicom:run";

export function setDicomRun(run: RunContext, state: DicomRunState): void {
  run.state.set(KEY, state);
}

export function dicomRun(run: RunContext): DicomRunState {
  const s = run.state.get(KEY);
  if (!s) throw new Error("dicom profile state missing: the profile's prepare hook did not run");
  return s as DicomRunState;
}
