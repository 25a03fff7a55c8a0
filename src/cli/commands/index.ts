import type { Command } from "commander";

/** Each subcommand lives in its own file and registers itself here. */
export const commandRegistrars: Array<(program: Command) => void> = [];
