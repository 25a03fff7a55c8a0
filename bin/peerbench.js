#!/usr/bin/env node
// Entry point: load the TypeScript sources through tsx so `npx peerbench` works right after `npm ci`.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
