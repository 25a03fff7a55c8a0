/**
 * What the package's build (dist/, bin/build.js) computed when it was made, or null when peerbench runs from its
 * sources. bin/build.js replaces this module; nothing else sets it.
 */

/** `peerbench list`'s text (dist/list.txt): built-in data only, the same at every run of one build. */
export const prebuiltListText: URL | null = null;
