/** Output formats of GNU coreutils that listings need (sizes, times, modes), computed against the World's clock. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function pad(n: number, width = 2, fill = "0"): string {
  return String(n).padStart(width, fill);
}

/** GNU -h: powers of 1024, rounded up; one decimal below 10. `1023` stays `1023`. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  const units = ["K", "M", "G", "T", "P", "E"];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (value < 10) {
    const up = Math.ceil(value * 10 - 1e-9) / 10;
    if (up < 10) return `${up.toFixed(1)}${units[unit]}`;
    value = up;
  }
  const whole = Math.ceil(value - 1e-9);
  if (whole >= 1024 && unit < units.length - 1) return `1.0${units[unit + 1]}`;
  return `${whole}${units[unit]}`;
}

/** Disk usage of a file in KiB (4 KiB blocks), as du and ls -s count it. */
export function diskKiB(bytes: number): number {
  return Math.ceil(bytes / 4096) * 4;
}

/** Thousands separators, as rsync prints byte counts. */
export function withCommas(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** `ls -l` time: "Mon DD HH:MM" within six months of now, else "Mon DD  YYYY" (UTC). */
export function lsTime(t: Date, now: Date, style: "default" | "full-iso" | "long-iso" | "iso"): string {
  const y = t.getUTCFullYear();
  const mo = t.getUTCMonth();
  const d = t.getUTCDate();
  const hh = pad(t.getUTCHours());
  const mm = pad(t.getUTCMinutes());
  const recent = t.getTime() <= now.getTime() && now.getTime() - t.getTime() < 15_778_476_000;
  switch (style) {
    case "full-iso":
      return `${isoDate(t)} ${hh}:${mm}:${pad(t.getUTCSeconds())}.${pad(t.getUTCMilliseconds(), 3)}000000 +0000`;
    case "long-iso":
      return `${isoDate(t)} ${hh}:${mm}`;
    case "iso":
      return recent ? `${pad(mo + 1)}-${pad(d)} ${hh}:${mm}` : `${isoDate(t)} `;
    default:
      return recent ? `${MONTHS[mo]} ${pad(d, 2, " ")} ${hh}:${mm}` : `${MONTHS[mo]} ${pad(d, 2, " ")}  ${y}`;
  }
}

export function isoDate(t: Date): string {
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** `stat` time: "2024-05-01 10:00:00.000000000 +0000". */
export function statTime(t: Date): string {
  return `${isoDate(t)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}.${pad(t.getUTCMilliseconds(), 3)}000000 +0000`;
}

/** `date`'s default: "Mon Feb 16 09:30:00 UTC 2026". */
export function dateDefault(t: Date): string {
  return `${DAYS[t.getUTCDay()]} ${MONTHS[t.getUTCMonth()]} ${pad(t.getUTCDate(), 2, " ")} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} UTC ${t.getUTCFullYear()}`;
}

export function modeString(mode: number, kind: "file" | "dir" | "link"): string {
  const type = kind === "dir" ? "d" : kind === "link" ? "l" : "-";
  const bits = "rwxrwxrwx";
  let out = "";
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : "-";
  if (mode & 0o1000) out = `${out.slice(0, 8)}${out[8] === "x" ? "t" : "T"}`;
  return type + out;
}

/** A stable fake inode number for a path (stat, ls -i). */
export function inodeOf(host: string, path: string): number {
  let h = 2166136261;
  for (const ch of `${host}:${path}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 130000 + (h % 9_000_000);
}

const UNITS: Record<string, number> = {
  sec: 1,
  second: 1,
  min: 60,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 604800,
  fortnight: 1209600,
  month: 2629746,
  year: 31556952,
};

/**
 * Parse a date as GNU `date -d` / `touch -d` would, for the forms people type: "@epoch", now/today/yesterday/
 * tomorrow, "N units ago", "+N days", ISO dates and times, "YYYY/MM/DD", "Jan 5 2024". Times without a zone
 * are UTC (the machines run in UTC). Returns null when it cannot make sense of it.
 */
export function parseDate(input: string, now: Date): Date | null {
  const s = input.trim();
  const lower = s.toLowerCase();
  if (/^@-?\d+(\.\d+)?$/.test(s)) return new Date(Number(s.slice(1)) * 1000);
  if (lower === "" || lower === "now") return new Date(now);
  if (lower === "today") return new Date(now);
  const dayStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  if (lower === "yesterday") return new Date(now.getTime() - 86_400_000);
  if (lower === "tomorrow") return new Date(now.getTime() + 86_400_000);
  if (lower === "midnight") return dayStart(now);
  const rel = lower.match(
    /^([+-]?\d+)?\s*(sec|second|min|minute|hour|day|week|fortnight|month|year)s?(\s+ago)?$|^(last|next)\s+(sec|second|min|minute|hour|day|week|fortnight|month|year)$/,
  );
  if (rel) {
    let n: number;
    let unit: string;
    if (rel[4]) {
      n = rel[4] === "last" ? -1 : 1;
      unit = rel[5] as string;
    } else {
      n = rel[1] === undefined ? 1 : Number(rel[1]);
      unit = rel[2] as string;
      if (rel[3]) n = -n;
    }
    const seconds = (UNITS[unit] ?? 0) * n;
    return new Date(now.getTime() + seconds * 1000);
  }
  const iso = s.match(
    /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i,
  );
  if (iso) {
    const [, y, mo, d, hh = "0", mi = "0", ss = "0", frac = "0", zone] = iso;
    let t = Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(hh),
      Number(mi),
      Number(ss),
      Number(frac.slice(0, 3).padEnd(3, "0")),
    );
    if (zone && /^[+-]/.test(zone)) {
      const z = zone.replace(":", "");
      const sign = z.startsWith("-") ? -1 : 1;
      t -= sign * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
    }
    const out = new Date(t);
    return Number.isNaN(out.getTime()) ? null : out;
  }
  const compact = s.match(/^(\d{4})(\d{2})(\d{2})$/);
  if (compact) return new Date(Date.UTC(Number(compact[1]), Number(compact[2]) - 1, Number(compact[3])));
  // "Jan 5 2024", "5 Jan 2024 10:00", "January 5, 2024"
  const words = s.replace(/,/g, " ").split(/\s+/);
  let year: number | null = null;
  let month: number | null = null;
  let day: number | null = null;
  let time: [number, number, number] = [0, 0, 0];
  for (const w of words) {
    const m = MONTHS.findIndex((name) => w.toLowerCase().startsWith(name.toLowerCase()));
    if (m >= 0 && month === null) month = m;
    else if (/^\d{1,2}:\d{2}(:\d{2})?$/.test(w))
      time = w.split(":").map(Number).concat([0, 0]).slice(0, 3) as [number, number, number];
    else if (/^\d{4}$/.test(w)) year = Number(w);
    else if (/^\d{1,2}$/.test(w)) day = Number(w);
    else if (/^(utc|gmt|z)$/i.test(w)) continue;
    else if (DAYS.some((dn) => w.toLowerCase().startsWith(dn.toLowerCase()))) continue;
    else return null;
  }
  if (month === null || day === null) return null;
  return new Date(Date.UTC(year ?? now.getUTCFullYear(), month, day, ...time));
}

/** `touch -t [[CC]YY]MMDDhhmm[.ss]`. */
export function parseTouchStamp(stamp: string, now: Date): Date | null {
  const m = stamp.match(/^(\d{2}|\d{4})?(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{2}))?$/);
  if (!m) return null;
  let year = now.getUTCFullYear();
  if (m[1]) year = m[1].length === 4 ? Number(m[1]) : Number(m[1]) < 69 ? 2000 + Number(m[1]) : 1900 + Number(m[1]);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

/** Quote an argument for re-parsing by the shell. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-./=:@%+,]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, "'\\''")}'`;
}
