export { createExecModel, DEFAULT_TURN_TIMEOUT_MS, type ExecModelOptions } from "./exec-model.js";
export { EXEC_PROTOCOL, type TurnReply, type TurnRequest, type WireMessage } from "./protocol.js";
