import { pc } from "../cli/colors.js";
import type { Message, Model, ModelRequest, ModelSession, ModelTurn, ToolDefinition } from "../models/model.js";
import { type Action, COMMANDS, describeTool, parseAction } from "./actions.js";
import type { LineSource } from "./line-source.js";

export const HUMAN_MODEL_ID = "human";

export interface HumanModelOptions {
  source: LineSource;
  /** Everything the player sees is written here (stdout in the CLI). */
  write: (text: string) => void;
  family: string;
  /** Shown in the prompt ("call 3 of 30"). */
  maxModelCalls: number;
}

/** What the session has shown, so the caller can print what arrives after the last turn (end_task's result). */
export interface PlayState {
  toolResultsShown: number;
  /** True when the input ended (EOF, quit, Ctrl-C) rather than the player choosing a final turn. */
  inputEnded: boolean;
}

export const HELP = [
  "One action per line:",
  '  TOOL {"arg": "value"}   call a tool with JSON arguments (a bare TOOL name means {})',
  "  TOOL free text          for a tool with one text parameter, e.g. bash ls -l /data",
  "  think TEXT              reasoning, attached to your next turn (recorded as hidden reasoning)",
  "  say TEXT                a visible message with no tool call: like a model's turn without a tool call,",
  "                          it ENDS the run",
  "  tools | help | quit     list the tools again | this help | leave (ends the run like a turn without a tool call)",
].join("\n");

/**
 * The critic played by a person: a Model whose session reads one action per line. It goes through the same
 * agent loop as any model, so the outcome, transcript and run directory come from the real pipeline.
 * Not simulated (a person decided every turn), but labelled by its id "human".
 */
export function createHumanModel(options: HumanModelOptions): { model: Model; state: PlayState } {
  const state: PlayState = { toolResultsShown: 0, inputEnded: false };
  const model: Model = {
    id: HUMAN_MODEL_ID,
    simulated: false,
    family: options.family,
    startSession: (): ModelSession => new HumanSession(options, state),
  };
  return { model, state };
}

class HumanSession implements ModelSession {
  constructor(
    private readonly o: HumanModelOptions,
    private readonly state: PlayState,
  ) {}

  async next(request: ModelRequest): Promise<ModelTurn> {
    const { write, source } = this.o;
    source.setCompletions([...request.tools.map((t) => t.name), ...COMMANDS]);
    if (request.call === 1) write(renderOpening(request));
    else {
      const results = lastResults(request.messages);
      for (const r of results) write(renderResult(r));
      this.state.toolResultsShown += results.length;
    }
    write(`\n${pc.bold(`── your turn: call ${request.call} of ${this.o.maxModelCalls} ──`)}\n`);

    const reasoning: string[] = [];
    for (;;) {
      const line = this.state.inputEnded ? null : await source.read(pc.cyan("critic> "));
      if (line === null) {
        this.state.inputEnded = true;
        write(`${pc.yellow("(input ended: this turn has no tool call, which ends the run)")}\n`);
        return { ...turn(reasoning, null, []), endOfScript: true };
      }
      if (!source.interactive && line.trim() !== "") write(`${pc.cyan("critic>")} ${line}\n`);
      const action: Action = parseAction(line, request.tools);
      switch (action.kind) {
        case "blank":
          continue;
        case "help":
          write(`${HELP}\n`);
          continue;
        case "tools":
          write(`${renderTools(request.tools)}\n`);
          continue;
        case "quit":
          this.state.inputEnded = true;
          write(`${pc.yellow("(leaving: this turn has no tool call, which ends the run)")}\n`);
          return { ...turn(reasoning, null, []), endOfScript: true };
        case "think":
          reasoning.push(action.text);
          continue;
        case "say":
          if (source.interactive) {
            const answer = await source.read(pc.yellow("A turn without a tool call ends the run. Send it? [y/N] "));
            if (!/^y(es)?$/i.test(answer?.trim() ?? "")) continue;
          }
          return turn(reasoning, action.text, []);
        case "call":
          if (action.problem) {
            if (source.interactive) {
              write(`${pc.red(`✗ ${action.problem}`)}\n`);
              continue;
            }
            // From a pipe the line goes to the loop as the invalid call it is; the toolset answers with an error.
            write(`${pc.yellow(`(sent as is: ${action.problem})`)}\n`);
          }
          return turn(reasoning, null, [{ id: `call_${request.call}_1`, name: action.name, args: action.args }]);
      }
    }
  }
}

function turn(reasoning: string[], text: string | null, toolCalls: ModelTurn["toolCalls"]): ModelTurn {
  return { reasoning: reasoning.length ? reasoning.join("\n") : null, text, toolCalls, usage: null, costUsd: null };
}

/** Tool results of the previous turn: the tool messages after the last assistant message. */
function lastResults(messages: Message[]): Extract<Message, { role: "tool" }>[] {
  const out: Extract<Message, { role: "tool" }>[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== "tool") break;
    out.unshift(m);
  }
  return out;
}

export function renderResult(r: { toolName: string; content: string; isError: boolean }): string {
  const head = r.isError ? pc.red(`← ${r.toolName} (error)`) : pc.green(`← ${r.toolName}`);
  return `${head}\n${indent(r.content)}\n`;
}

function renderOpening(request: ModelRequest): string {
  const user = request.messages.find((m) => m.role === "user");
  return [
    section("System prompt"),
    request.system.trimEnd(),
    "",
    section("User"),
    user?.role === "user" ? user.content.trimEnd() : "",
    "",
    section(`Tools (${request.tools.length})`),
    renderTools(request.tools),
    "",
    section("How to play"),
    HELP,
    "",
  ].join("\n");
}

function renderTools(tools: ToolDefinition[]): string {
  return tools.map((t) => `  ${describeTool(t)}`).join("\n");
}

function section(title: string): string {
  return pc.bold(`══ ${title} ══`);
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
