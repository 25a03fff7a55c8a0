/**
 * The shell worker compiled with the package's build (dist/shell-worker.js), or null when peerbench runs from its
 * sources. bin/build.js replaces this module with the bundle's URL; nothing else sets it.
 */
export const prebuiltWorker: URL | null = null;
