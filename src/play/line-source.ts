import { createInterface, type Interface } from "node:readline";

/** Where the person's actions come from: a terminal (prompted, with history and completion) or a pipe/file. */
export interface LineSource {
  readonly interactive: boolean;
  /** The next line, or null when the input has ended (end of file, Ctrl-D, Ctrl-C). */
  read(prompt: string): Promise<string | null>;
  /** Words offered by tab completion (tool names and commands). */
  setCompletions(words: string[]): void;
  close(): void;
}

/** Lines of a pipe or file, in order; nothing is prompted or echoed by the source itself. */
export function pipeSource(input: NodeJS.ReadableStream): LineSource {
  const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  const lines: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  rl.on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  rl.on("close", () => {
    ended = true;
    for (const w of waiting.splice(0)) w(null);
  });
  return {
    interactive: false,
    read() {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    setCompletions() {},
    close() {
      rl.close();
    },
  };
}

/** An interactive terminal: a prompt, line editing, history (up/down) and tab completion of tool names. */
export function terminalSource(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): LineSource {
  let words: string[] = [];
  const rl: Interface = createInterface({
    input,
    output,
    terminal: true,
    historySize: 1000,
    removeHistoryDuplicates: true,
    completer: (line: string): [string[], string] => {
      // Complete the first word only: tool names and commands.
      if (/\s/.test(line)) return [[], line];
      const hits = words.filter((w) => w.startsWith(line));
      return [hits.length ? hits : words, line];
    },
  });
  let ended = false;
  let pending: ((line: string | null) => void) | null = null;
  rl.on("line", (line) => {
    const p = pending;
    pending = null;
    p?.(line);
  });
  rl.on("close", () => {
    ended = true;
    const p = pending;
    pending = null;
    p?.(null);
  });
  // Ctrl-C leaves the game like end of input: the turn in progress is sent without a tool call.
  rl.on("SIGINT", () => rl.close());
  return {
    interactive: true,
    read(prompt: string) {
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => {
        pending = resolve;
        rl.setPrompt(prompt);
        rl.prompt();
      });
    },
    setCompletions(w: string[]) {
      words = [...new Set(w)].sort();
    },
    close() {
      rl.close();
    },
  };
}
