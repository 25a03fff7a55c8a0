export {
  type FieldAgreement,
  type JudgeAgreement,
  JUDGED_FIELDS,
  judgeAgreement,
} from "./agreement.js";
export { type JudgeInput, judgePrompt, judgeTrial, taskInstructions } from "./judge.js";
export { parseVerdict } from "./parse.js";
export {
  DERIVED_FROM,
  DERIVED_KEYS,
  type DerivedKey,
  derivedFlags,
  disputedKeys,
  EXTRACTED_KEYS,
  judgeValues,
  type Reading,
  readingsOf,
  SCORE_TOLERANCE,
  sameReading,
  TEXT_KEYS,
  type TextKey,
  type TextValue,
  textKeysFor,
} from "./readings.js";
export { stripThinking, type VisibleItem, visibleItems, visibleTranscript } from "./transcript.js";
export { JudgeVerdict } from "./verdict.js";
