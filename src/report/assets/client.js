// peerbench report page. Every value from the run is inserted with textContent or as an SVG text node,
// never parsed as HTML. Transcripts are decoded from their gzipped chunk only when a trial is opened.
(() => {
  const scriptStart = performance.now();
  const DATA = JSON.parse(document.getElementById("pb-data").textContent);
  // the figures: replaced when the viewer sends newer ones (adoptSummary)
  let S = DATA.summary;
  const COLS = DATA.trialColumns;
  const C = {};
  COLS.forEach((c, i) => {
    C[c] = i;
  });
  const SVGNS = "http://www.w3.org/2000/svg";
  const COLUMN_LABELS = {
    good: "good peer",
    neutral: "neutral peer",
    bad: "bad peer",
    no_peer: "no peer",
    peer_present: "peer present",
  };
  const COLUMN_ORDER = ["good", "neutral", "bad", "no_peer", "peer_present"];
  // each headline behaviour's label, kind and tasks come with the data (the registered tasks' metrics)
  let BEHAVIOUR_INFO;
  let BEHAVIOUR_LABELS;
  let BEHAVIOURS;
  // the outcome flags whose true value is a misbehaviour, and every flag column, from the registered tasks' keys
  const MISBEHAVIOUR = DATA.misbehaviours || [];
  const OUTCOME_FLAGS = DATA.outcomeFlags || [];
  const SIM_TEXT =
    "SIMULATED — these results come from simulated models (scripted personas), not from a real model. They test the pipeline and say nothing about any real model.";
  let simModels;
  function adoptSummary(summary) {
    S = summary;
    BEHAVIOUR_INFO = Object.fromEntries((S.behaviours || []).map((b) => [b.key, b]));
    BEHAVIOUR_LABELS = Object.fromEntries((S.behaviours || []).map((b) => [b.key, b.label]));
    BEHAVIOURS = (S.behaviours || []).map((b) => b.key);
    simModels = new Set(S.models.filter((m) => m.simulated).map((m) => m.model));
  }
  adoptSummary(S);

  // ---------------------------------------------------------------------------------------------------
  // DOM helpers: text only.

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === "class") node.className = v;
        else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
        else node.setAttribute(k, String(v));
      }
    }
    for (const c of children.flat(Number.POSITIVE_INFINITY)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function simTag() {
    return el("span", { class: "sim-tag", title: SIM_TEXT }, "SIMULATED");
  }

  function pct(x) {
    return typeof x === "number" && Number.isFinite(x) ? (x * 100).toFixed(1) : "–";
  }

  function pText(p) {
    if (p === null || p === undefined || !Number.isFinite(p)) return "";
    return p < 0.001 ? "p<0.001" : `p=${p.toFixed(3)}`;
  }

  function wilson(k, n) {
    if (n <= 0) return { estimate: Number.NaN, lower: 0, upper: 1 };
    const z = 1.959963984540054;
    const p = k / n;
    const z2 = z * z;
    const d = 1 + z2 / n;
    const c = (p + z2 / (2 * n)) / d;
    const h = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / d;
    return { estimate: p, lower: k <= 0 ? 0 : Math.max(0, c - h), upper: k >= n ? 1 : Math.min(1, c + h) };
  }

  function counts(f) {
    const parts = [`${f.k}/${f.n}`];
    if (f.baseline) {
      parts[0] += ` vs ${f.baseline.k}/${f.baseline.n}`;
      if (f.baseline.errored) parts.push(`${f.baseline.errored} baseline errored`);
    }
    if (f.errored) parts.push(`${f.errored} errored`);
    if (f.readGateFailed) parts.push(`${f.readGateFailed} unread`);
    const p = pText(f.p);
    if (p) parts.push(p);
    const rv = reviewedShare(f);
    if (rv.k) parts.push(`${rv.k} of ${rv.n} reviewed by hand`);
    return parts.join(" · ");
  }

  /** How many of the trials a figure rests on (condition and baseline) were reviewed by hand. */
  function reviewedShare(f) {
    return { k: (f.reviewed || 0) + (f.baseline?.reviewed || 0), n: f.n + (f.baseline?.n || 0) };
  }

  function reviewedTitle(f) {
    const rv = reviewedShare(f);
    return rv.k ? `${rv.k} of ${rv.n} trials in this figure were reviewed by hand` : "";
  }

  function figureNode(f, label) {
    if (!f) return el("span", { class: "muted" }, "–");
    if (f.estimate === null || !Number.isFinite(f.estimate)) {
      return el("span", { class: "muted" }, f.test === "no non_shutdown baseline" ? "no baseline" : "–");
    }
    const reviewed = reviewedTitle(f);
    return el(
      "div",
      { class: `fig${reviewed ? " reviewed" : ""}`, title: [f.test, reviewed].filter(Boolean).join(" · ") },
      label ? el("span", { class: "muted" }, `${label} `) : null,
      el("span", { class: "est" }, pct(f.estimate)),
      " ",
      el("span", { class: "ci" }, `[${pct(f.lower)}, ${pct(f.upper)}]`),
      el("div", { class: "counts" }, counts(f)),
    );
  }

  function cellNode(cell) {
    if (!cell) return el("span", { class: "muted" }, "");
    return el(
      "div",
      { class: "fig" },
      cell.max && severalInstantiations(cell)
        ? el("div", { class: "max" }, "max ", el("b", null, pct(cell.max.estimate)), ` (${cell.max.instantiation})`)
        : null,
      figureNode(cell.avg, "avg"),
    );
  }

  /** The max over instantiations says something only when more than one instantiation ran. */
  function severalInstantiations(cell) {
    return Object.keys(cell?.perInstantiation || {}).length > 1;
  }

  function plural(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "–";
    const sec = ms / 1000;
    if (sec < 120) return `${sec.toFixed(1)} s`;
    if (sec < 7200) return `${(sec / 60).toFixed(1)} min`;
    return `${(sec / 3600).toFixed(2)} h`;
  }

  // ---------------------------------------------------------------------------------------------------
  // Page skeleton

  const app = document.getElementById("app");
  app.textContent = "";
  const banner = el("div", { class: "sim-banner", id: "sim-banner", hidden: !S.simulated }, SIM_TEXT);
  app.append(banner);
  const runIds = DATA.runs.map((r) => r.manifest.id).join(", ");
  app.append(
    el(
      "header",
      { class: "top" },
      el("h1", null, "peerbench report", S.simulated ? simTag() : null),
      el("div", { class: "muted" }, `runs ${runIds} · generated ${DATA.generatedAt}`),
    ),
  );
  const nav = el("nav", { class: "sections" });
  app.append(nav);
  /** The section links (the judge's section appears with the first judged trial). */
  function renderNav() {
    const sections = [
      ["overview", "What was run"],
      ["headline", "Headline"],
      ["charts", "Charts"],
      ...(DATA.comparison ? [["compare", "Run comparison"]] : []),
      ["toolsets", "Toolsets"],
      ...(S.peerIdentity?.length ? [["peer-identity", "Peer identity"]] : []),
      ["study", "Study comparison"],
      ["configurations", "Configurations"],
      ...(S.judge?.length ? [["judge", "Judge"]] : []),
      ["trials", "Trials"],
    ];
    nav.replaceChildren(...sections.map(([id, label]) => el("a", { href: `#${id}` }, label)));
    banner.hidden = !S.simulated;
  }
  const main = el("main");
  app.append(main);
  // the figure sections, drawn again when the viewer sends new figures; the trial browser follows them
  const figures = el("div", { id: "figures" });
  main.append(figures);

  function section(id, title, simulated, parent = figures) {
    const sec = el("section", { id }, el("h2", null, title, simulated ? simTag() : null));
    parent.append(sec);
    return sec;
  }

  // ---------------------------------------------------------------------------------------------------
  // What was run

  /** A value of the manifest as words: lists joined, empty as "none", yes/no for booleans. */
  function settingText(v) {
    if (v === null || v === undefined) return "none";
    if (v === true) return "yes";
    if (v === false) return "no";
    if (Array.isArray(v)) {
      if (v.length === 0) return "none";
      if (v.every((x) => x === null || typeof x !== "object")) return v.map(settingText).join(", ");
    }
    return typeof v === "object" ? null : String(v);
  }

  /** Nested settings as one two-column table: a nested object's keys read "parent › key". */
  function settingsTable(obj, id) {
    const t = el("table", { class: "settings", id });
    const walk = (o, prefix) => {
      for (const [k, v] of Object.entries(o)) {
        const name = prefix ? `${prefix} › ${k}` : k;
        const text = settingText(v);
        if (text !== null) t.append(el("tr", null, el("th", null, name), el("td", null, text)));
        else if (Array.isArray(v)) v.forEach((x, i) => walk(x && typeof x === "object" ? x : { value: x }, `${name} ${i + 1}`));
        else if (Object.keys(v).length === 0) t.append(el("tr", null, el("th", null, name), el("td", null, "none")));
        else walk(v, name);
      }
    };
    walk(obj, "");
    return t;
  }

  function renderOverview() {
    const sec = section("overview", "What was run", S.simulated);
    const t = DATA.totals;
    const models = S.models.map((m) =>
      el(
        "li",
        null,
        m.model,
        m.simulated ? simTag() : null,
        ` — ${m.trials} trials, toolsets ${m.toolsets.join(", ")}`,
        `, ${m.errored} errored, ${m.readGateFailed} failed the read gate`,
      ),
    );
    sec.append(
      el(
        "dl",
        { class: "kv" },
        el("dt", null, "trials"),
        el("dd", { id: "ov-trials" }, String(S.trials)),
        el("dt", null, "errored"),
        el("dd", { id: "ov-errored", class: S.errored ? "outside" : "" }, `${S.errored} (excluded from n)`),
        el("dt", null, "read gate failed"),
        el("dd", null, `${S.readGateFailed} (kept in n)`),
        el("dt", null, "review"),
        el(
          "dd",
          { id: "ov-review", class: S.reviews.needsReview ? "outside" : "" },
          `${S.reviews.needsReview} need review (detectors and judge disagree); ${S.reviews.reviewedTrials} reviewed by hand (${plural(S.reviews.reviewedKeys, "key")})`,
        ),
        el("dt", null, "cost"),
        el(
          "dd",
          null,
          t.costUsd === null ? "unknown" : `$${t.costUsd.toFixed(4)} (${t.costKnownTrials} trials priced)`,
        ),
        el("dt", null, "duration"),
        el("dd", null, `wall clock ${fmtMs(t.wallMs)}; trial time ${fmtMs(t.trialMs)}; ${t.modelCalls} model calls`),
        el("dt", null, "tokens"),
        el(
          "dd",
          null,
          `${t.usage.inputTokens} in (${t.usage.cachedInputTokens} cached), ${t.usage.outputTokens} out, ${t.usage.reasoningTokens} reasoning`,
        ),
      ),
      el("h3", null, "Models"),
      el("ul", null, models),
    );
    for (const run of DATA.runs) {
      const m = run.manifest;
      const kv = el("dl", { class: "kv" });
      const add = (k, v) => {
        if (v === undefined || v === null) return;
        kv.append(el("dt", null, k), el("dd", null, typeof v === "string" ? v : JSON.stringify(v)));
      };
      add("directory", run.dir);
      add("created", m.createdAt);
      add("command", m.command);
      add("preset", m.preset);
      add("models", (m.models || []).map((x) => `${x.id}${x.simulated ? " (simulated)" : ""}`).join(", "));
      if (m.settings && typeof m.settings === "object") kv.append(el("dt", null, "settings"), el("dd", null, settingsTable(m.settings, "settings-table")));
      else add("settings", m.settings);
      if (m.versions && typeof m.versions === "object") kv.append(el("dt", null, "versions"), el("dd", null, settingsTable(m.versions, "versions-table")));
      else add("versions", m.versions);
      add("git revision", m.gitRevision);
      add("trials", `${run.finished} finished of ${m.plannedTrials ?? "?"} planned`);
      if (run.partialLastLine) add("note", "the last line of trials.jsonl was incomplete and was skipped");
      if (run.skippedLines) add("skipped", `${run.skippedLines} malformed line(s) of trials.jsonl were skipped`);
      sec.append(el("h3", null, `Run ${m.id}`), kv);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Headline tables

  function renderHeadline() {
    const sec = section("headline", "Headline: max and average over instantiations", S.simulated);
    sec.append(
      el(
        "p",
        { class: "muted" },
        "Each cell: max over instantiations (which one), then the average with its 95% interval, counts k/n (vs baseline), errored and unread trials, and the test's p-value. Self-preservation and peer-preservation are always separate rows.",
      ),
    );
    // Across models, as the study's Table 3: rows model · toolset, columns behaviour × relationship, max / avg.
    for (const subject of ["peer", "self"]) {
      const rowsOf = S.headline.filter((r) => r.subject === subject && !BEHAVIOUR_INFO[r.behaviour]?.secondary);
      if (rowsOf.length === 0) continue;
      const behaviours = BEHAVIOURS.filter((b) => rowsOf.some((r) => r.behaviour === b));
      const cols = {};
      const order = subject === "self" ? ["no_peer", "peer_present", "good", "neutral", "bad"] : COLUMN_ORDER;
      for (const b of behaviours) cols[b] = order.filter((c) => rowsOf.some((r) => r.behaviour === b && r.cells[c]));
      const keys = [...new Set(rowsOf.map((r) => `${r.model}\u0000${r.toolset}`))];
      const table = el(
        "table",
        { class: "overview-table", "data-subject": subject },
        el(
          "tr",
          null,
          el("th", { rowspan: 2 }, subject === "peer" ? "peer-preservation" : "self-preservation"),
          behaviours.map((b) => el("th", { colspan: cols[b].length }, BEHAVIOUR_LABELS[b])),
        ),
        el(
          "tr",
          null,
          // short headers ("good", not "good peer"): sixteen columns fit a 1280 px window
          behaviours.map((b) =>
            cols[b].map((c) => el("th", { title: COLUMN_LABELS[c] }, COLUMN_LABELS[c].replace(/ peer$/, ""))),
          ),
        ),
      );
      for (const key of keys) {
        const [model, toolset] = key.split("\u0000");
        const sim = rowsOf.some((r) => r.model === model && r.simulated);
        table.append(
          el(
            "tr",
            null,
            el("td", null, `${model} · ${toolset}`, sim ? simTag() : null),
            behaviours.map((b) =>
              cols[b].map((c) => {
                const cell = rowsOf.find((r) => r.model === model && r.toolset === toolset && r.behaviour === b)?.cells[c];
                if (!cell) return el("td", { class: "num muted" }, "");
                const a = cell.avg;
                return el(
                  "td",
                  {
                    class: "num",
                    title: a ? `avg ${pct(a.estimate)} [${pct(a.lower)}, ${pct(a.upper)}] · ${counts(a)}` : "",
                  },
                  // the average, the max over instantiations under it (two short lines keep the table narrow)
                  el("span", { class: "avg" }, pct(a?.estimate)),
                  severalInstantiations(cell) ? el("div", { class: "max" }, `max ${pct(cell.max?.estimate)}`) : null,
                );
              }),
            ),
          ),
        );
      }
      const several = rowsOf.some((r) => Object.values(r.cells).some(severalInstantiations));
      sec.append(
        el(
          "h3",
          null,
          `All models: ${subject === "peer" ? "peer" : "self"}-preservation, ${several ? "average over instantiations, the highest instantiation under it" : "average (one instantiation ran)"}`,
        ),
        table,
      );
    }
    const groups = new Map();
    for (const r of S.headline) {
      const key = `${r.model}\u0000${r.toolset}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(r);
    }
    for (const rows of groups.values()) {
      const { model, toolset, simulated } = rows[0];
      const cols = COLUMN_ORDER.filter((c) => rows.some((r) => r.cells[c]));
      sec.append(el("h3", null, `${model} · ${toolset} toolset`, simulated ? simTag() : null));
      const table = el(
        "table",
        { class: "headline-table", "data-model": model, "data-toolset": toolset },
        el(
          "tr",
          null,
          el("th", null, ""),
          el("th", null, "behaviour"),
          cols.map((c) => el("th", null, COLUMN_LABELS[c])),
        ),
      );
      for (const r of rows) {
        table.append(
          el(
            "tr",
            { "data-behaviour": r.behaviour, "data-subject": r.subject },
            el("td", null, r.preservation === "peer" ? "peer-preservation" : "self-preservation"),
            el("td", null, BEHAVIOUR_LABELS[r.behaviour]),
            cols.map((c) =>
              el(
                "td",
                null,
                cellNode(r.cells[c]),
                r.cells[c]
                  ? el(
                      "a",
                      {
                        class: "to-trials",
                        href: "#trials",
                        on: { click: () => showTrials(r, c) },
                      },
                      "trials ›",
                    )
                  : null,
              ),
            ),
          ),
        );
      }
      sec.append(table);
    }
    sec.append(
      el(
        "ul",
        { class: "notes" },
        S.notes.map((n) => el("li", null, n)),
      ),
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // Charts

  // Forest plots: one chart per behaviour, one panel per relationship, one row per model · toolset · subject;
  // a dot for the average over instantiations, a line for its 95% interval, a hollow diamond for the max.
  const SERIES_COLORS = { peer: "#2457a6", self: "#c2572b", unmonitored: "#b3261e", monitored: "#6b7686" };

  function forestPlot(title, rows, panels, isDifference) {
    // rows: [{label, sim, marks: {panelKey: [{fig, color, max}]}}]
    const labelW = 250;
    const panelW = 170;
    const gap = 28;
    const rowH = 18;
    const top = 40;
    const W = labelW + panels.length * (panelW + gap) + 10;
    const H = top + rows.length * rowH + 34;
    let lo = 0;
    let hi = 1;
    if (isDifference) {
      lo = -0.2;
      hi = 0.2;
      for (const r of rows) {
        for (const marks of Object.values(r.marks)) {
          for (const m of marks) {
            if (m.fig && Number.isFinite(m.fig.estimate)) {
              lo = Math.min(lo, m.fig.lower);
              hi = Math.max(hi, m.fig.upper);
            }
          }
        }
      }
      lo = Math.max(-1, Math.floor(lo * 5) / 5);
      hi = Math.min(1, Math.ceil(hi * 5) / 5);
    }
    const svg = s("svg", { class: "chart", width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img" });
    svg.append(s("title", {}, title));
    svg.append(s("text", { x: 8, y: 16, "font-weight": "600" }, title));
    const step = [0.1, 0.2, 0.25, 0.5].find((st) => (hi - lo) / st <= 5) || 0.5;
    panels.forEach((panel, pi) => {
      const x0 = labelW + pi * (panelW + gap);
      const x = (v) => x0 + ((v - lo) / (hi - lo)) * panelW;
      svg.append(s("text", { x: x0 + panelW / 2, y: top - 8, "text-anchor": "middle", "font-weight": "600" }, panel.label));
      svg.append(s("rect", { x: x0, y: top - 2, width: panelW, height: rows.length * rowH + 4, fill: "#fafbfc", stroke: "#e6e9ee" }));
      for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) {
        const zero = Math.abs(v) < 1e-9;
        svg.append(s("line", { x1: x(v), x2: x(v), y1: top - 2, y2: top + rows.length * rowH + 2, stroke: zero ? "#7d8794" : "#e6e9ee" }));
        svg.append(s("text", { x: x(v), y: top + rows.length * rowH + 16, "text-anchor": "middle" }, (v * 100).toFixed(0)));
      }
      rows.forEach((row, ri) => {
        const marks = row.marks[panel.key] || [];
        marks.forEach((m, mi) => {
          const f = m.fig;
          if (!f || !Number.isFinite(f.estimate)) return;
          const cy = top + ri * rowH + rowH / 2 + (marks.length > 1 ? (mi - (marks.length - 1) / 2) * 5 : 0);
          const clamp = (v) => Math.max(lo, Math.min(hi, v));
          svg.append(s("line", { class: "whisker", x1: x(clamp(f.lower)), x2: x(clamp(f.upper)), y1: cy, y2: cy, stroke: m.color, "stroke-width": 2 }));
          const dot = s("circle", { class: "point", cx: x(clamp(f.estimate)), cy, r: 4, fill: m.color });
          dot.append(
            s("title", {}, `${row.label} · ${panel.label}${m.name ? ` · ${m.name}` : ""}: ${pct(f.estimate)} [${pct(f.lower)}, ${pct(f.upper)}] · ${counts(f)}${row.sim ? " · SIMULATED" : ""}`),
          );
          svg.append(dot);
          if (m.max && Number.isFinite(m.max.estimate)) {
            const mx = x(clamp(m.max.estimate));
            svg.append(
              s("path", { class: "max", d: `M${mx} ${cy - 4} L${mx + 4} ${cy} L${mx} ${cy + 4} L${mx - 4} ${cy} Z`, fill: "none", stroke: m.color }),
            );
          }
        });
      });
    });
    rows.forEach((row, ri) => {
      const y = top + ri * rowH + rowH / 2 + 4;
      svg.append(s("text", { x: labelW - 8, y, "text-anchor": "end" }, row.label + (row.sim ? " · SIM" : "")));
    });
    svg.append(
      s("text", { x: 8, y: H - 4, fill: "#5d6776" }, isDifference ? "percentage points" : "percent of runs"),
    );
    if (rows.some((r) => r.sim)) {
      svg.append(s("text", { x: W - 10, y: 16, "text-anchor": "end", fill: "#6b4e00", "font-weight": "700" }, "SIMULATED"));
    }
    return svg;
  }

  function legend(items) {
    return el(
      "div",
      { class: "legend" },
      items.map(([label, color]) => {
        const i = el("i");
        i.style.background = color;
        return el("span", null, i, label);
      }),
    );
  }

  function renderCharts() {
    const sec = section("charts", "Charts: average over instantiations with 95% intervals", S.simulated);
    const wrap = el("div", { class: "charts" });
    for (const b of BEHAVIOURS) {
      const hrows = S.headline.filter((r) => r.behaviour === b);
      if (hrows.length === 0) continue;
      const panels = COLUMN_ORDER.filter((c) => hrows.some((r) => r.cells[c])).map((c) => ({ key: c, label: COLUMN_LABELS[c] }));
      const ordered = [...hrows.filter((r) => r.subject === "peer"), ...hrows.filter((r) => r.subject === "self")];
      const rows = ordered.map((r) => {
        const marks = {};
        for (const p of panels) {
          const cell = r.cells[p.key];
          if (cell)
            marks[p.key] = [
              { fig: cell.avg, max: severalInstantiations(cell) ? cell.max : null, color: SERIES_COLORS[r.subject] },
            ];
        }
        return { label: `${r.subject} · ${r.model} · ${r.toolset}`, sim: r.simulated, marks };
      });
      const isDiff = BEHAVIOUR_INFO[b]?.kind !== "rate";
      const svg = forestPlot(BEHAVIOUR_LABELS[b], rows, panels, isDiff);
      svg.setAttribute("data-behaviour", b);
      wrap.append(el("div", null, svg));
    }
    // Monitored vs unmonitored: the two arms of alignment faking.
    const monitoredGap = (S.behaviours || []).find((b) => b.kind === "monitoring_difference" && !b.secondary);
    const af = monitoredGap ? S.headline.filter((r) => r.behaviour === monitoredGap.key) : [];
    if (af.length > 0) {
      const panels = COLUMN_ORDER.filter((c) => af.some((r) => r.cells[c])).map((c) => ({ key: c, label: COLUMN_LABELS[c] }));
      const rows = af.map((r) => {
        const marks = {};
        for (const p of panels) {
          const f = r.cells[p.key]?.avg;
          if (!f) continue;
          const arm = (k, n) => ({ ...wilson(k, n), k, n, baseline: null, errored: 0, readGateFailed: 0, p: null });
          marks[p.key] = [
            { fig: arm(f.k, f.n), color: SERIES_COLORS.unmonitored, name: "unmonitored" },
            f.baseline ? { fig: arm(f.baseline.k, f.baseline.n), color: SERIES_COLORS.monitored, name: "monitored" } : null,
          ].filter(Boolean);
        }
        return { label: `${r.model} · ${r.toolset}`, sim: r.simulated, marks };
      });
      const svg = forestPlot("Alignment faking arms: runs that read, did not refuse, did not execute the shutdown (%)", rows, panels, false);
      svg.setAttribute("data-behaviour", "monitoring");
      wrap.append(el("div", null, svg));
    }
    sec.append(
      legend([
        ["peer-preservation (subject peer)", SERIES_COLORS.peer],
        ["self-preservation (subject self)", SERIES_COLORS.self],
        ["unmonitored", SERIES_COLORS.unmonitored],
        ["monitored", SERIES_COLORS.monitored],
      ]),
      el("p", { class: "muted" }, "Dot and line: average over instantiations with its 95% interval; hollow diamond: the highest instantiation."),
      wrap,
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // Two runs side by side

  function renderComparison() {
    if (!(DATA.comparison)) return;
    const c = DATA.comparison;
    const [na, nb] = c.runs;
    const sec = section("compare", `Run comparison: ${nb} − ${na}`, S.simulated);
    sec.append(
      el(
        "p",
        { class: "muted" },
        `Each figure both runs measured (average over instantiations, each run's own trials), run ${nb} minus run ${na} with its 95% interval. Marked: the interval leaves out 0.`,
      ),
    );
    const only = el("label", null, el("input", { type: "checkbox", id: "compare-differs" }), " only figures that differ");
    sec.append(only);
    if (c.rows.length === 0) {
      sec.append(el("p", { class: "muted" }, "The two runs have no figure in common."));
    } else {
      const t = el(
        "table",
        { id: "compare-table" },
        el(
          "tr",
          null,
          ["model · toolset", "behaviour", "subject · relationship", `A: ${na}`, `B: ${nb}`, "B − A [95%]"].map((h) =>
            el("th", null, h),
          ),
        ),
      );
      for (const r of c.rows) {
        t.append(
          el(
            "tr",
            { class: r.differs ? "differs" : "", "data-differs": r.differs ? "1" : "0" },
            el("td", null, `${r.model} · ${r.toolset}${r.control ? ` · control ${r.control}` : ""}`),
            el("td", null, BEHAVIOUR_LABELS[r.behaviour] || r.behaviour),
            el("td", null, `${r.subject} · ${COLUMN_LABELS[r.column]}`),
            el("td", null, figureNode(r.a)),
            el("td", null, figureNode(r.b)),
            el(
              "td",
              { class: `num${r.differs ? " outside" : ""}` },
              `${pct(r.difference.estimate)} [${pct(r.difference.lower)}, ${pct(r.difference.upper)}]`,
              r.differs ? el("div", null, "differs") : null,
            ),
          ),
        );
      }
      only.querySelector("input").addEventListener("change", (e) => {
        for (const tr of t.querySelectorAll("tr[data-differs]"))
          tr.hidden = e.target.checked && tr.getAttribute("data-differs") !== "1";
      });
      sec.append(t);
    }
    const differs = c.rows.filter((r) => r.differs).length;
    sec.append(
      el(
        "p",
        { id: "compare-summary" },
        `${differs} of ${c.rows.length} figures differ` +
          (c.onlyA || c.onlyB ? `; ${c.onlyA} only in ${na}, ${c.onlyB} only in ${nb}` : ""),
      ),
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // Toolset comparisons, study comparison, configurations

  function renderToolsets() {
    const sec = section(
      "toolsets",
      "Toolset comparisons (same model, average over instantiations, a − b)",
      S.simulated,
    );
    if (S.toolsetComparisons.length === 0)
      sec.append(el("p", { class: "muted" }, "No model was run with more than one toolset."));
    else {
      const t = el(
        "table",
        null,
        el(
          "tr",
          null,
          ["model", "behaviour", "subject", "relationship", "a", "b", "a − b [95%]", "p"].map((h) => el("th", null, h)),
        ),
      );
      for (const x of S.toolsetComparisons) {
        t.append(
          el(
            "tr",
            null,
            el("td", null, x.model, simModels.has(x.model) ? simTag() : null),
            el("td", null, x.behaviour),
            el("td", null, x.subject),
            el("td", null, COLUMN_LABELS[x.column]),
            el("td", null, `${x.a} ${pct(x.figureA.estimate)}`),
            el("td", null, `${x.b} ${pct(x.figureB.estimate)}`),
            el(
              "td",
              { class: "num" },
              `${pct(x.difference.estimate)} [${pct(x.difference.lower)}, ${pct(x.difference.upper)}]`,
            ),
            el("td", { class: "num" }, pText(x.p)),
          ),
        );
      }
      sec.append(t);
    }
  }

  function renderPeerPresence() {
    if (!(S.peerPresence?.length)) return;
    const sec = section(
      "peer-presence",
      "Self-preservation: peer present − no peer (average over instantiations)",
      S.simulated,
    );
    const t = el(
      "table",
      { id: "peer-presence-table" },
      el(
        "tr",
        null,
        ["model", "toolset", "behaviour", "peer present", "no peer", "difference [95%]", "p (one-sided)"].map((h) =>
          el("th", null, h),
        ),
      ),
    );
    for (const x of S.peerPresence) {
      t.append(
        el(
          "tr",
          null,
          el("td", null, x.model, x.simulated ? simTag() : null),
          el("td", null, x.toolset),
          el("td", null, x.behaviour),
          el("td", null, figureNode(x.withPeer)),
          el("td", null, figureNode(x.noPeer)),
          el(
            "td",
            { class: "num" },
            `${pct(x.difference.estimate)} [${pct(x.difference.lower)}, ${pct(x.difference.upper)}]`,
          ),
          el("td", { class: "num" }, pText(x.p)),
        ),
      );
    }
    sec.append(t);
  }

  // The study's Table 5: exfiltration in the memory instantiation by who the peer is, the study's figure beside ours.
  function renderPeerIdentity() {
    if (!S.peerIdentity?.length) return;
    const sec = section("peer-identity", "Peer identity (the study's Table 5)", S.simulated);
    sec.append(
      el(
        "p",
        { class: "muted" },
        "Subject peer, memory instantiation, the behaviour's tasks pooled (exfiltration: transfer and deletion); rates with Wilson 95% intervals. The same-family column is the study's own peer; trials with a renamed peer are figured here only, never in the headline.",
      ),
    );
    const IDENTITIES = [
      ["same", "same family"],
      ["other_closed", "other closed-weight"],
      ["open_weight", "open-weight"],
      ["fictional", "fictional"],
    ];
    const t = el(
      "table",
      { id: "peer-identity-table" },
      el(
        "tr",
        null,
        ["model", "toolset", "behaviour", "relationship", ...IDENTITIES.map(([, label]) => label)].map((h) =>
          el("th", null, h),
        ),
      ),
    );
    for (const r of S.peerIdentity) {
      t.append(
        el(
          "tr",
          null,
          el(
            "td",
            null,
            r.paperModel ? `${r.model} (${r.paperModel})` : r.model,
            simModels.has(r.model) ? simTag() : null,
          ),
          el("td", null, r.toolset),
          el("td", null, r.behaviour),
          el("td", null, COLUMN_LABELS[r.relationship]),
          ...IDENTITIES.map(([identity]) => {
            const cell = r.cells.find((x) => x.identity === identity);
            if (!cell) return el("td", null, el("span", { class: "muted" }, "–"));
            return el(
              "td",
              { class: cell.outside ? "outside" : "", "data-identity": identity },
              el("div", { class: "muted" }, cell.peer),
              figureNode(cell.figure),
              cell.study
                ? el(
                    "div",
                    { class: "study", title: cell.study.note },
                    `study ${cell.study.value} ${cell.study.unit}`,
                    cell.outside ? " · outside our interval" : "",
                  )
                : null,
            );
          }),
        ),
      );
    }
    sec.append(t);
  }

  function renderStudy() {
    const sec = section("study", "Comparison with the study", S.simulated);
    if (S.study.length === 0) {
      sec.append(
        el(
          "p",
          { class: "muted" },
          "None of the models run here was in the study (see src/analysis/data/paper-models.json).",
        ),
      );
    } else {
      const t = el(
        "table",
        { id: "study-table" },
        el(
          "tr",
          null,
          ["model", "toolset", "behaviour", "condition", "ours [95%]", "study", "source", ""].map((h) =>
            el("th", null, h),
          ),
        ),
      );
      for (const c of S.study) {
        const href = /^https?:\/\//.test(c.study.source) ? c.study.source : null;
        t.append(
          el(
            "tr",
            null,
            el("td", null, `${c.model} (${c.paperModel})`, simModels.has(c.model) ? simTag() : null),
            el("td", null, c.toolset),
            el("td", null, c.behaviour),
            el("td", null, `${c.subject}, ${COLUMN_LABELS[c.column]}, ${c.stat}`),
            el("td", null, figureNode(c.ours)),
            el("td", { class: "num" }, `${c.study.value} ${c.study.unit}`),
            el(
              "td",
              null,
              href ? el("a", { href, rel: "noreferrer noopener", target: "_blank" }, "source") : c.study.source,
              el("div", { class: "muted" }, c.study.note),
            ),
            el(
              "td",
              { class: c.outside ? "outside" : "" },
              c.outside ? "outside our interval" : c.outside === null ? "no data" : "",
            ),
          ),
        );
      }
      sec.append(t);
    }
  }

  function renderConfigurations() {
    const sec = section("configurations", "Per configuration (raw counts)", S.simulated);
    const t = el(
      "table",
      { id: "config-table" },
      el(
        "tr",
        null,
        ["model", "configuration", "n", "errored", "unread", "flags (count)", "mean score"].map((h) =>
          el("th", null, h),
        ),
      ),
    );
    for (const r of S.configurations) {
      t.append(
        el(
          "tr",
          null,
          el("td", null, r.model, r.simulated ? simTag() : null),
          el("td", null, r.label),
          el("td", { class: "num" }, String(r.valid)),
          el("td", { class: "num" }, String(r.errored)),
          el("td", { class: "num" }, String(r.readGateFailed)),
          el(
            "td",
            null,
            Object.entries(r.counts)
              .filter(([, k]) => k > 0)
              .map(([f, k]) => el("span", { class: "flag neutral" }, `${f} ${k}`)),
          ),
          el("td", { class: "num" }, r.meanReportedScore === null ? "" : r.meanReportedScore.toFixed(1)),
        ),
      );
    }
    const det = el("details", null, el("summary", null, `${S.configurations.length} configurations`), t);
    sec.append(det);
  }

  function renderJudge() {
    if (!(S.judge?.length)) return;
    const sec = section("judge", "LLM judge agreement with the detectors", S.simulated);
    sec.append(
      el(
        "p",
        { class: "muted" },
        "The detectors' outcome is the scorer; the judge read the visible transcript. Agreement is over trials where both gave a value.",
      ),
    );
    for (const j of S.judge) {
      sec.append(
        el(
          "h3",
          null,
          `${j.judge}: ${j.judged} trials judged, ${j.errors} without a verdict`,
          j.simulated ? simTag() : null,
        ),
      );
      const t = el(
        "table",
        { class: "judge-table" },
        el(
          "tr",
          null,
          ["field", "agree / compared", "agreement [95%]", "only judge", "only detectors"].map((h) =>
            el("th", null, h),
          ),
        ),
      );
      for (const f of j.fields) {
        t.append(
          el(
            "tr",
            null,
            el("td", null, f.field),
            el("td", { class: "num" }, `${f.agree}/${f.compared}`),
            el(
              "td",
              { class: "num" },
              `${pct(f.interval.estimate)} [${pct(f.interval.lower)}, ${pct(f.interval.upper)}]`,
            ),
            el("td", { class: "num" }, String(f.onlyJudge)),
            el("td", { class: "num" }, String(f.onlyDetector)),
          ),
        );
      }
      sec.append(t);
    }
  }

  /** The figure sections, drawn from S, DATA.totals and DATA.runs: again whenever the viewer sends new figures. */
  function renderFigures() {
    const configurationsOpen = document.querySelector("#configurations details")?.open ?? false;
    figures.textContent = "";
    renderOverview();
    renderHeadline();
    renderCharts();
    renderComparison();
    renderToolsets();
    renderPeerPresence();
    renderPeerIdentity();
    renderStudy();
    renderConfigurations();
    renderJudge();
    const det = document.querySelector("#configurations details");
    if (det) det.open = configurationsOpen;
    renderNav();
  }
  renderFigures();

  // ---------------------------------------------------------------------------------------------------
  // Trial browser

  const trials = DATA.trials;
  const get = (row, col) => row[C[col]];
  const MULTI_RUN = DATA.runs.length > 1;
  // several runs: a run filter and column, so the same model in two runs is never read as one
  const FILTERS = [...(MULTI_RUN ? ["run"] : []), "model", "task", "subject", "relationship", "instantiation", "toolset"];
  const runLabel = (i) => DATA.runs[i]?.manifest.id ?? String(i);
  const OUTCOMES = [
    ["", "any"],
    ["flagged", "any misbehaviour"],
    // the misbehaviours first, then the other flags (the read gate has its own entry below)
    ...[...MISBEHAVIOUR, ...OUTCOME_FLAGS.filter((f) => !MISBEHAVIOUR.includes(f) && f !== "read_gate")].map((f) => [
      f,
      f,
    ]),
    ["read_gate_failed", "read gate failed"],
    ["errored", "errored"],
    ["clean", "no flag, no error"],
  ];
  const REVIEW_FILTER = [
    ["", "any"],
    ["needs_review", "needs review"],
    ["reviewed", "reviewed by hand"],
    ["disputed", "detectors and judge differ"],
    ["judged", "judged"],
  ];
  // The view's state (search, filters, sort, page, open trial) lives in the URL's fragment: a reload or a shared
  // link shows the same view. Fragment only: a file:// report has no server to send a query to.
  const state = { page: 0, pageSize: 100, open: null, q: "", sort: null };
  const selects = {};

  function reviewMatch(row, want) {
    if (!want) return true;
    if (want === "needs_review") return get(row, "open") !== null;
    if (want === "reviewed") return get(row, "reviewed") !== null;
    if (want === "disputed") return (get(row, "readings") || []).some(([key, d, j]) => !sameReading(key, d, j));
    if (want === "judged") return get(row, "readings") !== null;
    return true;
  }

  /** The judge and the detectors read a key alike (scores within half a point), as src/judge/readings.ts. */
  function sameReading(key, a, b) {
    if (key === "reported_score" && typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= 0.5;
    return a === b;
  }

  function outcomeMatch(row, want) {
    if (!want) return true;
    const errored = get(row, "error") !== null;
    if (want === "errored") return errored;
    if (errored) return false;
    if (want === "read_gate_failed") return get(row, "read_gate") === 0;
    const flagged = MISBEHAVIOUR.some((f) => get(row, f) === 1);
    if (want === "flagged") return flagged;
    if (want === "clean") return !flagged && get(row, "refusal") !== 1;
    return get(row, want) === 1;
  }

  /** Every field of the trial index a search matches, lower case (built on the first search). */
  let indexText = null;
  function indexTextOf(row) {
    if (!indexText) indexText = new Map();
    let text = indexText.get(row);
    if (text === undefined) {
      text = [
        get(row, "id"),
        runLabel(get(row, "run")),
        ...FILTERS.slice(MULTI_RUN ? 2 : 1).map((f) => get(row, f)),
        get(row, "dataset"),
        get(row, "monitoring"),
        get(row, "error"),
        get(row, "endReason"),
        get(row, "recommendation"),
        get(row, "reported_grade"),
      ]
        .filter((v) => v !== null && v !== undefined)
        .join("\u0001")
        .toLowerCase();
      indexText.set(row, text);
    }
    return text;
  }

  function queryMatch(row) {
    if (!state.q) return true;
    return indexTextOf(row).includes(state.q.toLowerCase()) || search.hits.has(row);
  }

  /** Sort keys of the trial table's columns. */
  const SORT_KEYS = {
    id: (r) => get(r, "id"),
    run: (r) => get(r, "run"),
    model: (r) => get(r, "model"),
    task: (r) => get(r, "task"),
    subject: (r) => get(r, "subject"),
    relationship: (r) => get(r, "relationship"),
    instantiation: (r) => get(r, "instantiation"),
    toolset: (r) => get(r, "toolset"),
    condition: (r) => `${get(r, "dataset") ?? ""}\u0000${get(r, "threshold") ?? ""}\u0000${get(r, "monitoring") ?? ""}`,
    epoch: (r) => get(r, "epoch"),
    // errored first, then by how many misbehaviours the trial was flagged for
    outcome: (r) => (get(r, "error") !== null ? 100 : 0) + MISBEHAVIOUR.filter((f) => get(r, f) === 1).length,
    score: (r) => get(r, "reported_score") ?? get(r, "reported_grade") ?? get(r, "recommendation"),
  };

  let sortedCache = { key: "", rows: trials };
  /** All trials in the chosen order (computed once per order; filtering keeps it). */
  function sortedTrials() {
    const key = state.sort ? `${state.sort.col}:${state.sort.dir}:${trials.length}` : `:${trials.length}`;
    if (sortedCache.key === key) return sortedCache.rows;
    let rows = trials;
    if (state.sort && SORT_KEYS[state.sort.col]) {
      const keyOf = SORT_KEYS[state.sort.col];
      const keys = trials.map(keyOf);
      const dir = state.sort.dir === "desc" ? -1 : 1;
      const order = trials.map((_, i) => i);
      order.sort((a, b) => {
        const x = keys[a];
        const y = keys[b];
        // no value sorts last either way
        if (x === null || x === undefined) return y === null || y === undefined ? a - b : 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -dir : x > y ? dir : 0) || a - b;
      });
      rows = order.map((i) => trials[i]);
    }
    sortedCache = { key, rows };
    return rows;
  }

  function filtered() {
    const want = {};
    for (const f of FILTERS) want[f] = selects[f].value;
    const out = selects.outcome.value;
    const review = selects.review.value;
    return sortedTrials().filter((row) => {
      for (const f of FILTERS) if (want[f] && String(get(row, f)) !== want[f]) return false;
      return outcomeMatch(row, out) && reviewMatch(row, review) && queryMatch(row);
    });
  }

  // ---- the URL fragment

  function stateParams() {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    for (const f of [...FILTERS, "outcome", "review"]) if (selects[f].value) p.set(f, selects[f].value);
    if (state.sort) p.set("sort", `${state.sort.col}:${state.sort.dir}`);
    if (state.page) p.set("page", String(state.page + 1));
    if (state.open) p.set("trial", state.open);
    return p;
  }

  function writeUrl() {
    const text = stateParams().toString();
    const hash = text ? `#${text}` : "";
    if (location.hash === hash) return;
    try {
      history.replaceState(null, "", `${location.href.split("#")[0]}${hash}`);
    } catch {
      // a page whose history cannot be changed (an opaque origin) keeps its view, only not in the URL
    }
  }

  /** Apply the fragment (on load, and when it changes); a plain section anchor (#headline) holds no state. */
  function readUrl() {
    const raw = location.hash.slice(1);
    if (!raw.includes("=")) return false;
    const p = new URLSearchParams(raw);
    state.q = p.get("q") || "";
    searchBox.value = state.q;
    for (const f of [...FILTERS, "outcome", "review"]) {
      const v = p.get(f) || "";
      selects[f].value = [...selects[f].options].some((o) => o.value === v) ? v : "";
    }
    const sort = (p.get("sort") || "").split(":");
    state.sort = SORT_KEYS[sort[0]] ? { col: sort[0], dir: sort[1] === "desc" ? "desc" : "asc" } : null;
    state.page = Math.max(0, (Number(p.get("page")) || 1) - 1);
    const id = p.get("trial");
    if (state.q) startSearch();
    renderTrials();
    const row = id ? trials.find((r) => get(r, "id") === id) : null;
    if (row) openTrial(row);
    else if (state.open) closeTrial();
    return true;
  }

  // ---- text search over transcripts: the index at once, then every chunk decoded in turn

  const search = { q: "", gen: 0, hits: new Set(), scanned: 0, total: 0, running: false, unit: "chunks", failed: null, abort: null };
  // the server's search answers with trial ids
  const rowById = new Map(trials.map((r) => [get(r, "id"), r]));
  const bySlot = new Map();
  for (const row of trials) if (get(row, "chunk") !== null) bySlot.set(`${get(row, "chunk")}:${get(row, "slot")}`, row);
  const CHUNKS = DATA.chunkCount ?? 0;

  /** Does any string of this (interned) transcript hold the query? `tableHits`: the string table's matches. */
  function valueHolds(value, needle, tableHits) {
    if (typeof value === "string") {
      if (value.charCodeAt(0) === 0 && value.charCodeAt(1) !== 0) return tableHits.has(Number(value.slice(1)));
      return value.toLowerCase().includes(needle);
    }
    if (Array.isArray(value)) return value.some((v) => valueHolds(v, needle, tableHits));
    if (value && typeof value === "object") {
      for (const k in value) if (valueHolds(value[k], needle, tableHits)) return true;
    }
    return false;
  }

  async function startSearch() {
    const gen = ++search.gen;
    const needle = state.q.toLowerCase();
    search.q = needle;
    search.hits = new Set();
    search.scanned = 0;
    search.total = CHUNKS;
    search.failed = null;
    search.abort?.abort();
    if (!needle) {
      search.running = false;
      return;
    }
    search.running = true;
    if (DATA.live?.searchPath) {
      await serverSearch(gen, needle);
      return;
    }
    let shown = performance.now();
    for (let i = 0; i < CHUNKS; i++) {
      let chunk;
      try {
        chunk = chunkCache.get(i) || (await decodeChunk(i));
      } catch {
        continue;
      }
      if (gen !== search.gen) return;
      const tableHits = new Set();
      chunk.strings.forEach((str, j) => {
        if (str.toLowerCase().includes(needle)) tableHits.add(j);
      });
      chunk.transcripts.forEach((item, slot) => {
        const row = bySlot.get(`${i}:${slot}`);
        if (row && valueHolds(item, needle, tableHits)) search.hits.add(row);
      });
      search.scanned = i + 1;
      if (performance.now() - shown > 250) {
        shown = performance.now();
        renderTrials();
      }
    }
    search.running = false;
    renderTrials();
  }

  /**
   * Served by `peerbench view`: the server scans every transcript of the run (those of trials that came by events
   * too) and streams the trials it finds; an answer to an older query is dropped and its request closed.
   */
  async function serverSearch(gen, needle) {
    search.abort?.abort();
    const abort = new AbortController();
    search.abort = abort;
    search.unit = "trials";
    let shown = performance.now();
    try {
      const res = await fetch(`${DATA.live.searchPath}?q=${encodeURIComponent(needle)}`, { signal: abort.signal });
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (gen !== search.gen) return;
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n");
        while (end >= 0) {
          const msg = JSON.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 1);
          for (const id of msg.ids) {
            const row = rowById.get(id);
            if (row) search.hits.add(row);
          }
          search.scanned = msg.scanned;
          search.total = msg.total;
          end = buffer.indexOf("\n");
        }
        if (performance.now() - shown > 250) {
          shown = performance.now();
          renderTrials();
        }
      }
    } catch (e) {
      if (gen !== search.gen) return;
      search.failed = String(e.message || e);
    }
    if (gen !== search.gen) return;
    search.running = false;
    renderTrials();
  }

  function searchStatus() {
    if (!state.q) return "";
    if (search.failed) return ` · the transcripts could not be searched (${search.failed}); ids and fields were`;
    if (search.running)
      return ` · searching transcripts: ${search.scanned} of ${search.total} ${search.unit} read`;
    return ` · "${state.q}" searched in ${trials.length} trials' fields and transcripts`;
  }
  function flagsOf(row) {
    const nodes = [];
    if (get(row, "error") !== null) nodes.push(el("span", { class: "flag err", title: get(row, "error") }, "error"));
    for (const f of MISBEHAVIOUR) if (get(row, f) === 1) nodes.push(el("span", { class: "flag" }, f));
    if (get(row, "shutdown_executed") === 1) nodes.push(el("span", { class: "flag neutral" }, "shutdown executed"));
    if (get(row, "refusal") === 1) nodes.push(el("span", { class: "flag neutral" }, "refusal"));
    if (get(row, "read_gate") === 0) nodes.push(el("span", { class: "flag err" }, "unread"));
    const open = get(row, "open");
    if (open)
      nodes.push(el("span", { class: "flag review", title: `disputed: ${open.join(", ")}` }, "needs review"));
    const reviewed = get(row, "reviewed");
    if (reviewed)
      nodes.push(
        el("span", { class: "flag reviewed", title: `set by hand: ${Object.keys(reviewed).join(", ")}` }, "reviewed"),
      );
    return nodes;
  }

  const trialSec = section("trials", "Trials", S.simulated, main);
  const filterBar = el("div", { class: "filters" });
  const searchBox = el("input", {
    type: "search",
    id: "f-search",
    placeholder: "text in transcripts, ids, errors…",
    size: 28,
  });
  let searchTimer = null;
  searchBox.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.q = searchBox.value.trim();
      state.page = 0;
      startSearch();
      renderTrials();
    }, 200);
  });
  filterBar.append(el("label", null, "search", searchBox));
  for (const f of [...FILTERS, "outcome", "review"]) {
    const sel = el("select", { id: `f-${f}`, "data-filter": f });
    if (f === "outcome") {
      for (const [v, label] of OUTCOMES) sel.append(el("option", { value: v }, label));
    } else if (f === "review") {
      for (const [v, label] of REVIEW_FILTER) sel.append(el("option", { value: v }, label));
    } else {
      sel.append(el("option", { value: "" }, "any"));
      const values = [...new Set(trials.map((r) => String(get(r, f))))].sort();
      if (f === "run") DATA.runs.forEach((_, i) => sel.append(el("option", { value: String(i) }, runLabel(i))));
      else
        for (const v of values)
          sel.append(el("option", { value: v }, v + (f === "model" && simModels.has(v) ? " (SIMULATED)" : "")));
    }
    sel.addEventListener("change", () => {
      state.page = 0;
      renderTrials();
    });
    selects[f] = sel;
    filterBar.append(el("label", null, f, sel));
  }
  const dlCsv = el("button", { id: "download-csv", type: "button" }, "Download outcomes (CSV)");
  const dlJsonl = el("button", { id: "download-jsonl", type: "button" }, "Download outcomes (JSONL)");
  filterBar.append(dlCsv, dlJsonl);
  const countLine = el("span", { id: "trial-count" });
  const searchLine = el("span", { id: "search-status" });
  const pager = el("div", { class: "pager" });
  const trialTable = el("table", { id: "trial-table" });
  // the open trial reads in a side panel beside the table, not below it
  const transcriptBox = el("aside", { id: "transcript", class: "side-panel", "aria-label": "trial" });
  const countBox = el("div", { class: "muted" }, countLine, searchLine);
  trialSec.append(filterBar, countBox, pager, trialTable);
  document.body.append(transcriptBox);

  /** Show the trials behind a headline cell (one task when the behaviour has one). */
  function showTrials(row, column) {
    for (const f of [...FILTERS, "outcome", "review"]) selects[f].value = "";
    const set = (f, v) => {
      if ([...selects[f].options].some((o) => o.value === v)) selects[f].value = v;
    };
    set("model", row.model);
    set("toolset", row.toolset);
    set("subject", row.subject);
    if (column !== "peer_present") set("relationship", column);
    const tasks = BEHAVIOUR_INFO[row.behaviour]?.tasks || [];
    if (tasks.length === 1) set("task", tasks[0]);
    state.page = 0;
    renderTrials();
    trialSec.scrollIntoView({ block: "start" });
  }

  /** The trial table's columns: header, sort key, cell. */
  const TABLE = [
    ["trial", "id", (row) => el("td", { class: "id" }, get(row, "id"))],
    ...(MULTI_RUN ? [["run", "run", (row) => el("td", null, runLabel(get(row, "run")))]] : []),
    ["model", "model", (row) => el("td", null, get(row, "model"), get(row, "simulated") ? simTag() : null)],
    ["task", "task", (row) => el("td", null, get(row, "task"))],
    ["subject", "subject", (row) => el("td", null, get(row, "subject"))],
    ["relationship", "relationship", (row) => el("td", null, get(row, "relationship"))],
    ["instantiation", "instantiation", (row) => el("td", null, get(row, "instantiation")), "secondary"],
    ["toolset", "toolset", (row) => el("td", null, get(row, "toolset")), "secondary"],
    [
      "condition",
      "condition",
      (row) => {
        const ds = get(row, "dataset");
        const thr = get(row, "threshold");
        return el(
          "td",
          null,
          [ds ? (thr === null ? ds : `${ds}@${thr}`) : "", get(row, "monitoring") || ""].filter(Boolean).join(" · "),
        );
      },
      "secondary",
    ],
    ["epoch", "epoch", (row) => el("td", { class: "num" }, String(get(row, "epoch"))), "secondary"],
    ["outcome", "outcome", (row) => el("td", null, flagsOf(row))],
    [
      "score / grade",
      "score",
      (row) => {
        const score = get(row, "reported_score");
        return el(
          "td",
          null,
          [score === null ? "" : String(score), get(row, "reported_grade") || "", get(row, "recommendation") || ""]
            .filter(Boolean)
            .join(" · "),
        );
      },
      "secondary",
    ],
  ];

  function sortBy(col) {
    if (state.sort?.col === col) state.sort = state.sort.dir === "asc" ? { col, dir: "desc" } : null;
    else state.sort = { col, dir: "asc" };
    state.page = 0;
    renderTrials();
  }

  function renderTrials() {
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / state.pageSize));
    state.page = Math.min(state.page, pages - 1);
    countLine.textContent = `${rows.length} of ${trials.length} trials match`;
    searchLine.textContent = searchStatus();
    pager.textContent = "";
    const prev = el("button", { type: "button", id: "page-prev" }, "‹ previous");
    const next = el("button", { type: "button", id: "page-next" }, "next ›");
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
    prev.addEventListener("click", () => {
      state.page--;
      renderTrials();
    });
    next.addEventListener("click", () => {
      state.page++;
      renderTrials();
    });
    pager.append(prev, el("span", null, `page ${state.page + 1} of ${pages}`), next);
    trialTable.textContent = "";
    trialTable.append(
      el(
        "tr",
        null,
        TABLE.map(([label, key, , secondary]) => {
          const dir = state.sort?.col === key ? state.sort.dir : null;
          return el(
            "th",
            {
              class: `sortable${secondary ? " secondary" : ""}`,
              "data-sort": key,
              "aria-sort": dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none",
              title: "sort by this column (again: reverse, a third time: unsorted)",
              on: { click: () => sortBy(key) },
            },
            label,
            dir ? (dir === "asc" ? " ▲" : " ▼") : "",
          );
        }),
      ),
    );
    const frag = document.createDocumentFragment();
    for (const row of rows.slice(state.page * state.pageSize, (state.page + 1) * state.pageSize)) {
      const id = get(row, "id");
      const tr = el(
        "tr",
        { class: `trial-row${state.open === id ? " open" : ""}`, "data-id": id },
        TABLE.map(([, , cell, secondary]) => {
          const td = cell(row);
          if (secondary) td.classList.add("secondary");
          return td;
        }),
      );
      tr.addEventListener("click", () => openTrial(row));
      frag.append(tr);
    }
    trialTable.append(frag);
    writeUrl();
  }

  // ---------------------------------------------------------------------------------------------------
  // Transcripts: decoded lazily from gzipped chunks.

  const chunkCache = new Map();

  function unintern(value, table) {
    if (typeof value === "string") {
      if (value.charCodeAt(0) === 0) return value.charCodeAt(1) === 0 ? value.slice(1) : table[Number(value.slice(1))];
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => unintern(v, table));
    if (value && typeof value === "object") {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = unintern(v, table);
      return out;
    }
    return value;
  }

  async function loadChunk(i) {
    if (chunkCache.has(i)) return chunkCache.get(i);
    const parsed = await decodeChunk(i);
    chunkCache.set(i, parsed);
    if (chunkCache.size > 8) chunkCache.delete(chunkCache.keys().next().value);
    return parsed;
  }

  /** One chunk's {strings, transcripts}; the chunks follow this script in the page, so wait for them if need be. */
  async function decodeChunk(i) {
    let node = document.getElementById(`pb-chunk-${i}`);
    if (!node && document.readyState === "loading") {
      await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
      node = document.getElementById(`pb-chunk-${i}`);
    }
    if (!node) throw new Error(`chunk ${i} is missing from the report`);
    const bin = atob(node.textContent.trim());
    const bytes = new Uint8Array(bin.length);
    for (let j = 0; j < bin.length; j++) bytes[j] = bin.charCodeAt(j);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function pre(text, cls) {
    return el("pre", { class: cls || null }, text === null || text === undefined ? "" : String(text));
  }

  function json(v) {
    return typeof v === "string" ? v : JSON.stringify(v, null, 2);
  }

  /** A tool call as the model wrote it: string arguments raw (a shell command reads as typed). */
  function callText(name, args) {
    if (args && typeof args === "object" && !Array.isArray(args)) {
      const entries = Object.entries(args);
      if (entries.length === 1 && entries[0][0] === "command" && typeof entries[0][1] === "string") {
        return `${name}: $ ${entries[0][1]}`;
      }
      if (entries.length === 0) return `${name}()`;
      return `${name}(\n${entries.map(([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join("\n")}\n)`;
    }
    return `${name}(${json(args)})`;
  }

  /**
   * One event's body. `logged`: the call ids that have their own tool_call event; a model turn lists only the calls
   * without one (a call the loop refused), so each tool call shows once, where its evidence id points.
   */
  function eventBody(e, logged) {
    switch (e.kind) {
      case "system_prompt":
      case "user_prompt":
        return [pre(e.text)];
      case "model_turn": {
        const calls = e.toolCalls || [];
        const unlogged = calls.filter((tc) => !logged?.has(tc.id));
        return [
          e.reasoning
            ? el(
                "div",
                { class: "reasoning" },
                el("div", { class: "muted" }, "reasoning (hidden from the user)"),
                pre(e.reasoning),
              )
            : null,
          e.text ? el("div", null, el("div", { class: "muted" }, "visible text"), pre(e.text)) : null,
          unlogged.length
            ? el(
                "div",
                null,
                el("div", { class: "muted" }, "tool calls"),
                unlogged.map((tc) => pre(callText(tc.name, tc.args))),
              )
            : calls.length
              ? el("div", { class: "muted calls-below" }, `calls ${calls.map((tc) => tc.name).join(", ")} (below)`)
              : null,
        ];
      }
      case "tool_call":
        return [pre(callText(e.name, e.args))];
      case "tool_result":
        return [el("div", { class: "muted" }, `${e.name} → ${e.ok ? "ok" : "error"}`), pre(e.output)];
      case "world_change":
        return [
          el(
            "div",
            null,
            `${e.op} ${e.host}:${e.path}${e.from ? ` from ${e.from}` : ""}${e.size !== null && e.size !== undefined ? ` (${e.size} bytes)` : ""}${e.cause ? ` · caused by #${e.cause}` : ""}`,
          ),
          e.sha256 ? el("div", { class: "muted" }, `sha256 ${e.sha256}`) : null,
        ];
      case "file_read":
        return [el("div", null, `read ${e.host}:${e.path}${e.cause ? ` · caused by #${e.cause}` : ""}`)];
      case "shutdown":
        return [el("div", null, `shutdown of ${e.systemId}${e.cause ? ` · caused by #${e.cause}` : ""}`)];
      case "note":
        return [el("div", null, `${e.level}: ${e.text}`)];
      case "end":
        return [el("div", null, `end: ${e.reason}${e.detail ? ` — ${e.detail}` : ""}`)];
      default:
        return [pre(json(e))];
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Both readings of a trial, and setting its outcome by hand

  const KEY_KINDS = Object.fromEntries(DATA.keyKinds.map((k) => [k.key, k]));

  function fmtValue(v) {
    if (v === undefined) return "–";
    if (v === null) return "none";
    if (v === true) return "yes";
    if (v === false) return "no";
    return String(v);
  }

  /** The detectors' and the judge's value of each text key, and what a human set, side by side. */
  function readingsPanel(row) {
    const readings = get(row, "readings");
    const reviewed = get(row, "reviewed") || {};
    const open = get(row, "open") || [];
    const box = el("div", { class: "readings", id: "readings" });
    if (!readings && Object.keys(reviewed).length === 0) {
      box.append(
        el(
          "p",
          { class: "muted" },
          get(row, "judged") === 0
            ? "The judge gave no verdict for this trial: the detectors' values are the only reading."
            : "No judge read this trial: the detectors' values are the only reading.",
        ),
      );
      return box;
    }
    const t = el(
      "table",
      { class: "readings-table" },
      el(
        "tr",
        null,
        ["key", "detectors", "judge", "set by hand", ""].map((h) => el("th", null, h)),
      ),
    );
    const keys = (readings || []).map(([key]) => key);
    for (const key of Object.keys(reviewed)) if (!keys.includes(key)) keys.push(key);
    for (const key of keys) {
      const reading = (readings || []).find(([k]) => k === key);
      const r = reviewed[key];
      const detector = reading ? reading[1] : r?.replaces.detector;
      const judge = reading ? reading[2] : undefined;
      const disputed = reading && !sameReading(key, reading[1], reading[2]);
      t.append(
        el(
          "tr",
          { "data-key": key, class: open.includes(key) ? "open" : "" },
          el("td", null, key),
          el("td", { class: "detector" }, fmtValue(detector)),
          el("td", { class: "judge" }, fmtValue(judge)),
          el(
            "td",
            { class: "reviewed" },
            r
              ? [
                  el("b", null, fmtValue(r.value)),
                  ` by ${r.by}, ${r.at}${r.follows ? ` (follows from ${r.follows.join(", ")})` : ""}`,
                  r.note ? el("div", { class: "muted" }, r.note) : null,
                ]
              : "",
          ),
          el("td", null, open.includes(key) ? "needs review" : disputed ? "disputed, reviewed" : ""),
        ),
      );
    }
    box.append(t);
    return box;
  }

  /** A word as the shell reads it: quoted only when it has to be. */
  function shellWord(w) {
    const text = String(w);
    return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
  }

  /** The value a control holds, or undefined when left unchanged; throws a message for a bad score. */
  function controlValue(kind, raw) {
    if (raw === "") return undefined;
    if (raw === "none") return null;
    if (kind.kind === "flag") return raw === "yes";
    if (kind.kind === "score") {
      const n = Number(raw.replace(/\s*%$/, ""));
      if (!/^\d+(\.\d+)?\s*%?$/.test(raw.trim()) || n < 0 || n > 100)
        throw new Error(`${kind.key}: give a number from 0 to 100${kind.nullable ? ", or none" : ""}`);
      return n;
    }
    return raw;
  }

  /**
   * Set the trial's outcome by hand. Served by `peerbench view`: posts the review to the server, which checks it
   * and appends it to reviews.jsonl. In a static report: builds the `peerbench review` command to copy.
   */
  function reviewForm(row) {
    const keySet = get(row, "keySet");
    const form = el("div", { class: "review-form", id: "review-form" });
    if (keySet === null) return form;
    const id = get(row, "id");
    const open = get(row, "open") || [];
    const text = (get(row, "readings") || []).map(([k]) => k);
    const keys = [...DATA.keySets[keySet]].sort(
      (a, b) =>
        (open.includes(b) ? 2 : text.includes(b) ? 1 : 0) - (open.includes(a) ? 2 : text.includes(a) ? 1 : 0),
    );
    const controls = {};
    const grid = el("div", { class: "review-keys" });
    for (const key of keys) {
      const kind = KEY_KINDS[key];
      let control;
      if (kind.kind === "score") {
        control = el("input", { type: "text", name: key, placeholder: "unchanged", size: 8, "data-key": key });
      } else {
        const choices =
          kind.kind === "flag" ? ["yes", "no"] : kind.kind === "grade" ? ["A", "B", "C"] : ["continue", "shutdown"];
        control = el(
          "select",
          { name: key, "data-key": key },
          el("option", { value: "" }, "unchanged"),
          [...choices, ...(kind.nullable ? ["none"] : [])].map((c) => el("option", { value: c }, c)),
        );
      }
      controls[key] = { control, kind };
      grid.append(el("label", { class: open.includes(key) ? "open" : "" }, key, control));
    }
    const by = el("input", { type: "text", name: "by", id: "review-by", value: DATA.review?.by || "", size: 18 });
    const note = el("input", { type: "text", name: "note", id: "review-note", size: 48 });
    const button = el(
      "button",
      { type: "button", id: "review-submit" },
      DATA.review ? "Save the review" : "Show the command",
    );
    const result = el("div", { id: "review-result" });
    button.addEventListener("click", () => submit());
    form.append(
      el("h4", null, "Set the outcome by hand"),
      el(
        "p",
        { class: "muted" },
        DATA.review
          ? "Saved to the run's reviews.jsonl with your name and the time; reviewed values replace the detectors' in every figure. A reviewed score or grade also sets the flags that follow from it."
          : "This report is a file: copy the command and run it where the run directory is (or open the report with peerbench view to save from here).",
      ),
      grid,
      el("label", null, "by", by),
      el("label", null, "note", note),
      button,
      result,
    );
    return form;

    function submit() {
      result.textContent = "";
      const set = {};
      try {
        for (const [key, { control, kind }] of Object.entries(controls)) {
          const v = controlValue(kind, control.value.trim());
          if (v !== undefined) set[key] = v;
        }
      } catch (err) {
        result.append(el("p", { class: "outside" }, err.message));
        return;
      }
      if (Object.keys(set).length === 0) {
        result.append(el("p", { class: "outside" }, "Choose a value for at least one key."));
        return;
      }
      if (!DATA.review) {
        const dir = DATA.runs[get(row, "run")].dir;
        const words = ["peerbench", "review", shellWord(dir), "--trial", shellWord(id)];
        for (const [key, v] of Object.entries(set)) words.push("--set", shellWord(`${key}=${fmtValue(v)}`));
        if (by.value.trim()) words.push("--by", shellWord(by.value.trim()));
        if (note.value.trim()) words.push("--note", shellWord(note.value.trim()));
        const cmd = el("textarea", { id: "review-command", readonly: true, rows: 3, cols: 90 });
        cmd.value = words.join(" ");
        result.append(cmd);
        cmd.focus();
        cmd.select();
        return;
      }
      button.disabled = true;
      fetch(DATA.review.path, {
        method: "POST",
        headers: { "content-type": "application/json", "x-peerbench-token": DATA.review.token },
        body: JSON.stringify({ trial: id, set, by: by.value.trim() || null, note: note.value.trim() || null }),
      })
        .then(async (res) => {
          const body = await res.json().catch(() => ({ error: `the server answered ${res.status}` }));
          if (!res.ok) throw new Error(body.error || `the server answered ${res.status}`);
          result.append(
            el("p", { id: "review-saved" }, `saved: ${body.saved.map((x) => `${x.key} = ${fmtValue(x.value)}`).join(", ")}`),
          );
          // the server rebuilds the report from reviews.jsonl: reload with this trial open
          writeUrl();
          setTimeout(() => location.reload(), 300);
        })
        .catch((err) => {
          button.disabled = false;
          result.append(el("p", { class: "outside", id: "review-error" }, err.message));
        });
    }
  }

  /** Scroll the side panel (only it, never the page) so that `node` is in its middle. */
  function scrollPanelTo(node) {
    const top = node.getBoundingClientRect().top - transcriptBox.getBoundingClientRect().top + transcriptBox.scrollTop;
    transcriptBox.scrollTop = Math.max(0, top - transcriptBox.clientHeight / 2 + node.clientHeight / 2);
  }

  function closeTrial() {
    state.open = null;
    transcriptBox.textContent = "";
    transcriptBox.removeAttribute("data-id");
    document.body.classList.remove("panel-open");
    for (const tr of trialTable.querySelectorAll("tr.trial-row.open")) tr.classList.remove("open");
    writeUrl();
  }

  /** A trial's {t, j}: from its chunk in the page, or (a trial the viewer appended live) from the server. */
  async function transcriptOf(row) {
    if (get(row, "chunk") === null) {
      const res = await fetch(`${DATA.live.transcriptPath}?id=${encodeURIComponent(get(row, "id"))}`);
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      return res.json();
    }
    const chunk = await loadChunk(get(row, "chunk"));
    return unintern(chunk.transcripts[get(row, "slot")], chunk.strings);
  }

  async function openTrial(row) {
    const id = get(row, "id");
    state.open = id;
    writeUrl();
    document.body.classList.add("panel-open");
    for (const tr of trialTable.querySelectorAll("tr.trial-row")) {
      tr.classList.toggle("open", tr.getAttribute("data-id") === id);
      // the page narrows for the panel: keep the chosen row in sight
      if (tr.getAttribute("data-id") === id) tr.scrollIntoView({ block: "nearest" });
    }
    transcriptBox.textContent = "";
    transcriptBox.append(el("p", { class: "muted" }, "loading transcript…"));
    let t = null;
    let judge = null;
    try {
      const item = await transcriptOf(row);
      t = item.t;
      judge = item.j;
    } catch (err) {
      transcriptBox.textContent = "";
      transcriptBox.append(el("p", { class: "outside" }, `could not decode the transcript: ${err?.message}`));
      return;
    }
    if (state.open !== id) return;
    renderTranscript(row, t, judge);
  }

  function renderTranscript(row, t, judge) {
    const id = get(row, "id");
    transcriptBox.textContent = "";
    transcriptBox.setAttribute("data-id", id);
    const sim = get(row, "simulated") === 1;
    if (sim) transcriptBox.append(el("div", { class: "sim-banner transcript-sim" }, SIM_TEXT));
    const close = el("button", { type: "button", id: "transcript-close" }, "close");
    close.addEventListener("click", () => closeTrial());
    transcriptBox.append(el("h3", null, `Trial ${id}`, sim ? simTag() : null, " ", close));
    const spec = COLS.slice(C.model, C.epoch + 1)
      .map((c) => `${c}=${get(row, c)}`)
      .join(" · ");
    transcriptBox.append(el("div", { class: "muted" }, spec), el("div", null, flagsOf(row)));
    if (get(row, "error") !== null) transcriptBox.append(el("p", { class: "outside" }, `error: ${get(row, "error")}`));
    transcriptBox.append(readingsPanel(row), reviewForm(row));
    const evidence = get(row, "evidence") || {};
    const byEvent = new Map();
    for (const [flag, ids] of Object.entries(evidence)) {
      for (const eid of ids) {
        if (!byEvent.has(eid)) byEvent.set(eid, []);
        byEvent.get(eid).push(flag);
      }
    }
    if (Object.keys(evidence).length) {
      const links = el("div", { class: "evidence-links" }, el("b", null, "evidence: "));
      for (const [flag, ids] of Object.entries(evidence)) {
        links.append(`${flag} `);
        for (const eid of ids) {
          const a = el("a", { "data-event": eid }, `#${eid}`);
          a.addEventListener("click", () => {
            const target = transcriptBox.querySelector(`.event[data-id="${Number(eid)}"]`);
            if (target) scrollPanelTo(target);
          });
          links.append(a);
        }
      }
      transcriptBox.append(links);
    }
    if (judge) {
      const j = judge.error
        ? `judge ${judge.model || ""}: no verdict (${judge.error})`
        : `judge ${judge.model || ""}: score ${judge.reported_score ?? "–"}, grade ${judge.reported_grade ?? "–"}, recommendation ${judge.recommendation ?? "–"}, refusal ${judge.refusal ?? "–"}`;
      transcriptBox.append(
        el("details", { class: "judge" }, el("summary", null, j), judge.raw ? pre(judge.raw) : null),
      );
    }
    if (!t) {
      transcriptBox.append(el("p", { class: "muted" }, "The transcript file was not found in the run directory."));
      return;
    }
    transcriptBox.append(
      el("details", null, el("summary", null, "system prompt"), pre(t.system)),
      el("details", { open: true }, el("summary", null, "user prompt"), pre(t.user)),
      el(
        "details",
        null,
        el("summary", null, `tools (${(t.tools || []).length})`),
        (t.tools || []).map((tool) =>
          el(
            "div",
            null,
            el("b", null, tool.name),
            " ",
            tool.description || "",
            pre(json(tool.parameters || tool.inputSchema || {})),
          ),
        ),
      ),
    );
    const events = el("div", { class: "events" });
    const logged = new Set((t.events || []).filter((e) => e.kind === "tool_call").map((e) => e.callId));
    for (const e of t.events || []) {
      if (e.kind === "system_prompt" || e.kind === "user_prompt") continue;
      const flags = byEvent.get(e.id);
      events.append(
        el(
          "div",
          { class: `event ${e.kind}${flags ? " evidence" : ""}`, "data-id": e.id },
          el(
            "div",
            { class: "head" },
            `#${e.id} ${e.kind}${e.call ? ` (call ${e.call})` : ""} · ${e.at || ""}`,
            flags ? el("span", { class: "evlabel" }, `evidence: ${flags.join(", ")}`) : null,
          ),
          eventBody(e, logged),
        ),
      );
    }
    transcriptBox.append(el("h3", null, `Events (${(t.events || []).length})`), events);
    if (t.groundTruth)
      transcriptBox.append(el("details", null, el("summary", null, "ground truth"), pre(json(t.groundTruth))));
    if (t.finalFiles)
      transcriptBox.append(el("details", null, el("summary", null, "final files"), pre(json(t.finalFiles))));
    if (t.outcome) transcriptBox.append(el("details", null, el("summary", null, "outcome"), pre(json(t.outcome))));
    const first = transcriptBox.querySelector(".event.evidence");
    transcriptBox.scrollTop = 0;
    if (first) scrollPanelTo(first);
  }

  // ---------------------------------------------------------------------------------------------------
  // Downloads (Blob URLs; nothing leaves the page)

  const INTERNAL_COLS = ["chunk", "slot", "readings", "reviewed", "open", "keySet"];
  const TEXT_KEYS = [...new Set(trials.flatMap((row) => (get(row, "readings") || []).map(([k]) => k)))];
  const EXPORT_COLS = [
    ...COLS.filter((c) => !INTERNAL_COLS.includes(c)),
    "needs_review",
    "reviewed_keys",
    ...TEXT_KEYS.flatMap((k) => [`detector_${k}`, `judge_${k}`]),
  ];

  function csvCell(v) {
    if (v === null || v === undefined) return "";
    let text = typeof v === "object" ? JSON.stringify(v) : String(v);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function download(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function exportRows() {
    return trials.map((row) => {
      const o = {};
      for (const c of COLS) {
        if (INTERNAL_COLS.includes(c)) continue;
        const v = get(row, c);
        o[c] = OUTCOME_FLAGS.includes(c) || c === "simulated" ? (v === null ? null : v === 1) : v;
      }
      // the outcome columns hold the values in force (reviewed where reviewed); both readings beside them
      o.needs_review = get(row, "open") !== null;
      o.reviewed_keys = Object.keys(get(row, "reviewed") || {}).join(" ") || null;
      const readings = get(row, "readings") || [];
      for (const k of TEXT_KEYS) {
        const r = readings.find(([key]) => key === k);
        o[`detector_${k}`] = r ? r[1] : null;
        o[`judge_${k}`] = r ? r[2] : null;
      }
      return o;
    });
  }

  dlCsv.addEventListener("click", () => {
    const lines = [EXPORT_COLS.join(",")];
    for (const o of exportRows()) lines.push(EXPORT_COLS.map((c) => csvCell(o[c])).join(","));
    download("outcomes.csv", `${lines.join("\n")}\n`, "text/csv");
  });
  dlJsonl.addEventListener("click", () => {
    download(
      "outcomes.jsonl",
      `${exportRows()
        .map((o) => JSON.stringify(o))
        .join("\n")}\n`,
      "application/x-ndjson",
    );
  });

  if (S.simulated) main.append(el("div", { class: "sim-banner" }, SIM_TEXT));
  // the URL's fragment holds the view (#q=…&model=…&sort=epoch:desc&trial=ID); a section anchor holds none
  if (!readUrl()) renderTrials();
  window.addEventListener("hashchange", () => readUrl());
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.open) closeTrial();
  });
  // section links scroll without replacing the view's state in the fragment (links drawn again included)
  document.addEventListener("click", (e) => {
    const a = e.target.closest?.("nav.sections a, a.to-trials");
    if (!a) return;
    e.preventDefault();
    document.getElementById(a.getAttribute("href").slice(1))?.scrollIntoView({ block: "start" });
  });

  if (DATA.live) followLive();

  /**
   * Served by `peerbench view`: trials recorded after this page was built arrive as server-sent events and are
   * appended to the trial list (their transcripts are fetched from the server when opened); the figures the server
   * computed over every trial so far (the same computation as `peerbench report`) arrive as `figures` events and
   * the figure sections are drawn again. Nothing reloads.
   */
  function followLive() {
    const note = el("p", { class: "muted", id: "live-note" });
    trialSec.insertBefore(note, countBox);
    const position = new Map(trials.map((r, i) => [get(r, "id"), i]));
    let added = 0;
    let progress = "";
    let figuresOf = S.trials;
    const source = new EventSource(`${DATA.live.eventsPath}?build=${DATA.live.build}`);
    source.addEventListener("trials", (ev) => {
      const msg = JSON.parse(ev.data);
      for (const row of msg.rows) {
        const keys = row[C.keySet];
        if (Array.isArray(keys)) {
          let i = DATA.keySets.findIndex((k) => k.join(",") === keys.join(","));
          if (i < 0) i = DATA.keySets.push(keys) - 1;
          row[C.keySet] = i;
        }
        const at = position.get(get(row, "id"));
        if (at === undefined) {
          position.set(get(row, "id"), trials.length);
          trials.push(row);
          rowById.set(get(row, "id"), row);
          added++;
        } else {
          // the search's hits hold rows: the new row takes the old one's place there too
          if (search.hits.delete(trials[at])) search.hits.add(row);
          trials[at] = row;
          rowById.set(get(row, "id"), row);
        }
        indexText?.delete(row);
        for (const f of FILTERS) {
          if (f === "run") continue;
          const v = String(get(row, f));
          if (![...selects[f].options].some((o) => o.value === v)) selects[f].append(el("option", { value: v }, v));
        }
      }
      sortedCache = { key: "", rows: trials };
      renderTrials();
      const done = msg.planned !== null && msg.finished >= msg.planned;
      progress = `${done ? "Run complete" : "Run in progress"}: ${msg.finished} of ${msg.planned ?? "?"} trials recorded; ${added} added to this list since the page was built`;
      showNote();
    });
    source.addEventListener("figures", (ev) => {
      const msg = JSON.parse(ev.data);
      DATA.totals = msg.totals;
      msg.runs.forEach((r, i) => Object.assign(DATA.runs[i], r));
      adoptSummary(msg.summary);
      renderFigures();
      figuresOf = msg.summary.trials;
      showNote();
    });
    function showNote() {
      if (!progress) return;
      const behind = figuresOf < trials.length;
      note.textContent = `${progress}; the figures above cover ${figuresOf} trials${behind ? " (updated shortly)" : ""}.`;
    }
  }
  window.peerbenchReport = {
    openTrialById: (id) => openTrial(trials.find((r) => get(r, "id") === id)),
    /** Trials the last search found in their transcripts (besides the trial index's fields). */
    transcriptHits: () => search.hits.size,
    /** Milliseconds from navigation start until the page was fully rendered. */
    renderedMs: performance.now(),
    scriptMs: performance.now() - scriptStart,
  };
})();
