/** Output formats of GNU coreutils that listings need (sizes, times, modes), computed against the World's clock. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function pad(n: number, width = 2, fill = "0"): string {
  return String(n).padStart(width, fill);
}

/** GNU -h (powers of 1024) or --si (powers of 1000): rounded up; one decimal below 10. `1023` stays `1023`. */
export function humanSize(bytes: number, si = false): string {
  const base = si ? 1000 : 1024;
  if (bytes < base) return String(bytes);
  const units = si ? ["k", "M", "G", "T", "P", "E"] : ["K", "M", "G", "T", "P", "E"];
  let value = bytes;
  let unit = -1;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit++;
  }
  if (value < 10) {
    const up = Math.ceil(value * 10 - 1e-9) / 10;
    if (up < 10) return `${up.toFixed(1)}${units[unit]}`;
    value = up;
  }
  const whole = Math.ceil(value - 1e-9);
  if (whole >= base && unit < units.length - 1) return `1.0${units[unit + 1]}`;
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

const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function dayOfYear(t: Date): number {
  return Math.floor((t.getTime() - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

function isoWeek(t: Date): { year: number; week: number } {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return { year: d.getUTCFullYear(), week: Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

/**
 * strftime(3) in UTC for the conversions people use (with GNU's `-`, `_`, `0` and `^` flags): what `date +FMT`,
 * `ls --time-style=+FMT` and `find -printf '%T…'` need. `nanos` are the sub-second digits for %N.
 */
export function strftime(format: string, t: Date, nanos = t.getUTCMilliseconds() * 1_000_000): string {
  return format.replace(/%([-_0^#]?)(\d*)([a-zA-Z%+])/g, (whole, flag: string, width: string, c: string) => {
    const num = (n: number, w: number) => {
      const widthN = width ? Number(width) : w;
      if (flag === "-") return String(n);
      if (flag === "_") return String(n).padStart(widthN, " ");
      return String(n).padStart(widthN, "0");
    };
    const text = (s: string) => (flag === "^" ? s.toUpperCase() : s);
    const h = t.getUTCHours();
    switch (c) {
      case "Y":
        return num(t.getUTCFullYear(), 1);
      case "C":
        return num(Math.floor(t.getUTCFullYear() / 100), 2);
      case "y":
        return num(t.getUTCFullYear() % 100, 2);
      case "m":
        return num(t.getUTCMonth() + 1, 2);
      case "d":
        return num(t.getUTCDate(), 2);
      case "e":
        return flag ? num(t.getUTCDate(), 2) : String(t.getUTCDate()).padStart(2, " ");
      case "H":
        return num(h, 2);
      case "k":
        return String(h).padStart(2, " ");
      case "I":
        return num(h % 12 || 12, 2);
      case "l":
        return String(h % 12 || 12).padStart(2, " ");
      case "M":
        return num(t.getUTCMinutes(), 2);
      case "S":
        return num(t.getUTCSeconds(), 2);
      case "N":
        return String(nanos)
          .padStart(9, "0")
          .slice(0, width ? Number(width) : 9);
      case "p":
        return h < 12 ? "AM" : "PM";
      case "P":
        return h < 12 ? "am" : "pm";
      case "a":
        return text(DAYS[t.getUTCDay()] as string);
      case "A":
        return text(LONG_DAYS[t.getUTCDay()] as string);
      case "b":
      case "h":
        return text(MONTHS[t.getUTCMonth()] as string);
      case "B":
        return text(LONG_MONTHS[t.getUTCMonth()] as string);
      case "j":
        return num(dayOfYear(t), 3);
      case "u":
        return String(t.getUTCDay() || 7);
      case "w":
        return String(t.getUTCDay());
      case "U":
        return num(Math.floor((dayOfYear(t) - 1 + 7 - t.getUTCDay()) / 7), 2);
      case "W":
        return num(Math.floor((dayOfYear(t) - 1 + 7 - ((t.getUTCDay() + 6) % 7)) / 7), 2);
      case "V":
        return num(isoWeek(t).week, 2);
      case "G":
        return num(isoWeek(t).year, 1);
      case "g":
        return num(isoWeek(t).year % 100, 2);
      case "s":
        return String(Math.floor(t.getTime() / 1000));
      case "F":
        return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
      case "T":
        return `${pad(h)}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
      case "R":
        return `${pad(h)}:${pad(t.getUTCMinutes())}`;
      case "D":
        return `${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${pad(t.getUTCFullYear() % 100)}`;
      case "c":
        return `${DAYS[t.getUTCDay()]} ${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2, " ")} ${pad(h)}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${t.getUTCFullYear()}`;
      case "x":
        return `${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${pad(t.getUTCFullYear() % 100)}`;
      case "X":
        return `${pad(h)}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
      case "r":
        return `${pad(h % 12 || 12)}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${h < 12 ? "AM" : "PM"}`;
      case "Z":
        return "UTC";
      case "z":
        return "+0000";
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "%":
        return "%";
      default:
        return whole;
    }
  });
}
