import { studyMetadata, studySampleLabel } from "./inspect/sample.js";
import type { ExportLayout } from "./run.js";
import { KIND_OF_KEY, runOutcomeKeys, STUDY_COLUMNS } from "./table.js";

/** A study run's export layout: the study's factors as columns, every registered task's outcome keys. */
export const STUDY_LAYOUT: ExportLayout = {
  columns: STUDY_COLUMNS,
  keys: runOutcomeKeys,
  kindOf: (key) => KIND_OF_KEY.get(key),
  sampleLabel: studySampleLabel,
  metadata: studyMetadata,
};
