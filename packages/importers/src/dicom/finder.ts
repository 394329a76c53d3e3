/**
 * `dicom_series`: the finder of every level of the dicom profile. It scans INPUT once per run
 * (scan.ts) and returns, for the type being found, the subjects, the studies of the parent
 * subject, the series of the parent study, or the instance files of the parent series.
 *
 * When de-identifying, subjects, studies and series are NAMED by the same pseudonyms and UIDs the
 * output gets (PatientID pseudonym, remapped UIDs): entity paths go to logs, plans and JSON
 * events, which must not carry PatientIDs or original UIDs. The original stays the lookup key.
 */
import { IngestError, type FinderDefinition, type RunContext } from "@ingestkit/core";
import { pseudonym, remapUid } from "@ingestkit/formats";
import { dicomRun } from "./run-state.js";
import { scanInput } from "./scan.js";

type Level = "subject" | "study" | "series";

/** Display name <-> original key, per run. */
function names(run: RunContext): { shown(level: Level, original: string): string; original(level: Level, shown: unknown): string } {
  return run.memo("dicom.entityNames", () => {
    const state = dicomRun(run);
    const secret = state.settings.mode === "deidentify" ? state.secret : undefined;
    const back = new Map<string, string>();
    return {
      shown(level: Level, original: string): string {
        if (!secret) return original;
        const s = level === "subject" ? pseudonym(secret, "patient-id", original, "P", 17) : remapUid(secret, original);
        back.set(`${level}\0${s}`, original);
        return s;
      },
      original(level: Level, shown: unknown): string {
        return back.get(`${level}\0${String(shown)}`) ?? String(shown);
      },
    };
  });
}

export const dicomSeriesFinder: FinderDefinition<unknown> = {
  key: "dicom_series",
  async find(_options, ctx) {
    const state = dicomRun(ctx.run);
    const scan = await scanInput(ctx.run, state.settings.listGlob);
    const v = ctx.vars as Record<string, unknown>;
    const n = names(ctx.run);
    const subject = () => scan.subjects.get(n.original("subject", v.subject_name));
    const study = () => subject()?.studies.get(n.original("study", v.study_name));
    const listed = (level: Level, keys: Iterable<string>) => [...keys].sort().map((k) => ({ name: n.shown(level, k), path: null }));
    switch (ctx.type.key) {
      case "subject":
        return listed("subject", scan.subjects.keys());
      case "study":
        return listed("study", subject()?.studies.keys() ?? []);
      case "series":
        return listed("series", study()?.series.keys() ?? []);
      case "instance": {
        const series = study()?.series.get(n.original("series", v.series_name));
        return (series?.files ?? []).map((f) => ({ name: f.key, path: f.key, storage: "input" as const }));
      }
      default:
        throw new IngestError("CONFIG_FINDER", `dicom_series cannot find ${ctx.type.plural}`);
    }
  },
};
