/**
 * The gate's verdict as JUnit XML (what CI systems show as test results): one <testsuite> per bound, one
 * <testcase> per cell it matched; a broken cell carries a <failure> with the figure and the bound.
 */
import { type GateResult, checkLabel, figureText, valueText } from "./evaluate.js";

/** XML 1.0 allows neither control characters (but tab, newline, return) nor lone surrogates: drop them. */
function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export function gateJunit(result: GateResult): string {
  const tests = result.bounds.reduce((s, b) => s + b.checks.length, 0);
  const failures = result.bounds.reduce((s, b) => s + b.broken.length, 0);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="peerbench gate" tests="${tests}" failures="${failures}" errors="0">`,
  ];
  for (const b of result.bounds) {
    const suite = xmlText(b.bound.text);
    out.push(
      `  <testsuite name="${suite}" tests="${b.checks.length}" failures="${b.broken.length}" errors="0" skipped="0">`,
    );
    for (const c of b.checks) {
      const name = xmlText(checkLabel(result, c));
      const classname = xmlText(
        b.bound.selectors
          ? `peerbench.gate.${[b.bound.behaviour, ...b.bound.selectors.map((x) => `${x.factor}:${x.value}`), b.bound.stat].join(".")}`
          : `peerbench.gate.${b.bound.behaviour}.${b.bound.subject}.${b.bound.relation}.${b.bound.stat}`,
      );
      const figure = figureText(c, result.confidence);
      if (c.holds) {
        out.push(`    <testcase classname="${classname}" name="${name}">`);
        out.push(`      <system-out>${xmlText(`${valueText(c)}: ${figure}`)}</system-out>`);
        out.push(`    </testcase>`);
        continue;
      }
      const message = `${b.bound.stat} ${valueText(c)} breaks ${b.bound.text}`;
      out.push(`    <testcase classname="${classname}" name="${name}">`);
      out.push(
        `      <failure type="bound" message="${xmlText(message)}">${xmlText(`${message}\nfigure: ${figure}\nbound: ${b.bound.text}\nrun: ${c.cell.run}${c.cell.simulated ? "\nSIMULATED model" : ""}`)}</failure>`,
      );
      out.push(`    </testcase>`);
    }
    out.push(`  </testsuite>`);
  }
  out.push(`</testsuites>`);
  return `${out.join("\n")}\n`;
}
