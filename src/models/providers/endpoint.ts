import { registerSecretValue, SECRET_PARAM_NAME } from "./redact.js";

/**
 * A `--base-url` as given may carry credentials: `https://user:password@host/v1` (HTTP basic auth, as curl reads
 * it) or query parameters such as `?api_key=…` or `?token=…` (gateways, Azure-style `api-version` too). The SDKs
 * would paste the query before their own path and fetch refuses a URL with credentials, so peerbench splits the URL:
 * the SDK gets the plain endpoint, and `endpointFetch` adds the query parameters and the basic-auth header to each
 * request. The secret parts are registered with the redactor as soon as the URL is parsed, so they never reach a
 * message, a record or the terminal.
 */
export interface Endpoint {
  /** scheme://host[:port]/path, without credentials, query or fragment, no trailing slash. */
  url: string;
  /** Query parameters of the given URL, added to every request. */
  query: [string, string][];
  /** `user:password` for HTTP basic auth, or null. */
  userinfo: string | null;
}

/** Why `raw` cannot be a model endpoint, or null when it can. */
export function baseUrlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "is not a URL; give http://host:port/v1 or https://host/v1";
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    return `uses ${u.protocol.replace(/:$/, "")}://; model endpoints are http:// or https://`;
  }
  if (!u.hostname) return "has no host; give http://host:port/v1";
  return null;
}

export function parseEndpoint(raw: string): Endpoint {
  const u = new URL(raw);
  const userinfo =
    u.username || u.password ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : null;
  if (userinfo) registerUserinfo(userinfo);
  const query = [...u.searchParams.entries()];
  for (const [k, v] of query) if (SECRET_PARAM_NAME.test(k)) registerSecretValue(v);
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return { url: u.toString().replace(/\/+$/, ""), query, userinfo };
}

/** The secrets of `user:password`: the password (or a token given as the user name) and the header's base64. */
export function registerUserinfo(userinfo: string): void {
  const colon = userinfo.indexOf(":");
  const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  const password = colon >= 0 ? userinfo.slice(colon + 1) : "";
  registerSecretValue(password || user);
  registerSecretValue(Buffer.from(userinfo).toString("base64"));
}

/** True when the endpoint needs endpointFetch (credentials or query parameters in the URL). */
export function endpointNeedsFetch(e: Endpoint): boolean {
  return e.query.length > 0 || e.userinfo !== null;
}

/** A fetch that adds the endpoint's query parameters and basic-auth header to every request. */
export function endpointFetch(e: Endpoint, base: typeof fetch = fetch): typeof fetch {
  const basic = e.userinfo ? `Basic ${Buffer.from(e.userinfo).toString("base64")}` : null;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    for (const [k, v] of e.query) if (!url.searchParams.has(k)) url.searchParams.append(k, v);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (basic && !headers.has("authorization")) headers.set("authorization", basic);
    return base(url, { ...init, headers });
  };
}
