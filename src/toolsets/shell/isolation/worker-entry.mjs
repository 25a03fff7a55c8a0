// Entry of a shell worker thread: load the TypeScript sources through tsx, as bin/peerbench.js does.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
