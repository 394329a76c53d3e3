/**
 * `dicom_series`: the finder of every level of the dicom profile. It scans INPUT once per run
 * (scan.ts) and returns, for the type being found, the subjects, the studies of the parent
 * subject, the series of the parent study, or the instance files of the parent series.
 */
import { IngestError, type FinderDefinition } from "@ingestkit/core";
import { dicomRun } from "./run-state.js";
import { scanInput } from "./scan.js";

export const dicomSeriesFinder: FinderDefinition<unknown> = {
  key: "dicom_series",
  async find(_options, ctx) {
    const state = dicomRun(ctx.run);
    const scan = await scanInput(ctx.run, state.settings.listGlob);
    const v = ctx.vars as Record<string, unknown>;
    const subject = () => scan.subjects.get(String(v.subject_name));
    const study = () => subject()?.studies.get(String(v.study_name));
    switch (ctx.type.key) {
      case "subject":
        return [...scan.subjects.keys()].sort().map((name) => ({ name, path: null }));
      case "study":
        return [...(subject()?.studies.keys() ?? [])].sort().map((name) => ({ name, path: null }));
      case "series":
        return [...(study()?.series.keys() ?? [])].sort().map((name) => ({ name, path: null }));
      case "instance": {
        const series = study()?.series.get(String(v.series_name));
        return (series?.files ?? []).map((f) => ({ name: f.key, path: f.key, storage: "input" as const }));
      }
      default:
        throw new IngestError("CONFIG_FINDER", `dicom_series cannot find ${ctx.type.plural}`);
    }
  },
};
