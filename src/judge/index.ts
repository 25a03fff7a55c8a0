export {
  type FieldAgreement,
  type JudgeAgreement,
  JUDGED_FIELDS,
  judgeAgreement,
  SCORE_TOLERANCE,
} from "./agreement.js";
export { type JudgeInput, judgePrompt, judgeTrial, taskInstructions } from "./judge.js";
export { parseVerdict } from "./parse.js";
export { stripThinking, visibleTranscript } from "./transcript.js";
export { JudgeVerdict } from "./verdict.js";
