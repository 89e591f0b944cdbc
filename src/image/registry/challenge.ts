// WWW-Authenticate parsing (RFC 7235) and the registry auth flows it
// selects: Basic (e.g. distribution's htpasswd) or Bearer (the Docker token
// spec: GET realm?service=S&scope=repository:NAME:pull,push, with Basic
// credentials when the user has some, answering {token | access_token,
// expires_in}).
import { HuskError } from '../../common/errors.ts';
import type { Credentials } from './auth.ts';
import { describeErrorBody } from './errors.ts';

export interface Challenge {
  /** Lower-cased auth scheme: "bearer", "basic", ... */
  scheme: string;
  /** Parameters with lower-cased names; values unquoted and unescaped. */
  params: Record<string, string>;
  /** The token68 form ("Negotiate abc=="), when a scheme carries no params. */
  token68?: string;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]$/;

function malformed(header: string, why: string): HuskError {
  return new HuskError('REGISTRY', `malformed WWW-Authenticate header "${header}": ${why}`);
}

/**
 * Parses one or more WWW-Authenticate values. A value may hold several
 * challenges separated by commas, which also separate parameters: a new
 * challenge starts at a token that is not followed by "=".
 */
export function parseChallenges(header: string | string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const h of Array.isArray(header) ? header : [header]) parseInto(h, out);
  return out;
}

function parseInto(s: string, out: Challenge[]): void {
  let i = 0;
  const n = s.length;
  const isWs = (c: string | undefined) => c === ' ' || c === '\t';
  const skipWs = () => { while (i < n && isWs(s[i])) i++; };
  const skipSeparators = () => { while (i < n && (isWs(s[i]) || s[i] === ',')) i++; };
  const token = () => {
    const start = i;
    while (i < n && TCHAR.test(s[i])) i++;
    return s.slice(start, i);
  };
  /**
   * Whether position j starts `name = value` (a parameter) rather than a
   * new scheme or a token68 with "=" padding ("abc==", "abc=" at the end).
   */
  const paramAhead = (j: number) => {
    const start = j;
    while (j < n && TCHAR.test(s[j])) j++;
    if (j === start) return false;
    while (j < n && isWs(s[j])) j++;
    if (s[j] !== '=') return false;
    for (j++; j < n && isWs(s[j]); j++);
    return j < n && s[j] !== '=' && s[j] !== ',';
  };
  const quoted = () => {
    let v = '';
    for (i++; i < n && s[i] !== '"'; i++) {
      if (s[i] === '\\') {
        if (++i >= n) break;
      }
      v += s[i];
    }
    if (i >= n) throw malformed(s, 'unterminated quoted string');
    i++;
    return v;
  };
  const value = () => {
    if (s[i] === '"') return quoted();
    // Lenient: some servers send unquoted URLs, which are not tokens.
    const start = i;
    while (i < n && s[i] !== ',' && !isWs(s[i])) i++;
    return s.slice(start, i);
  };

  for (;;) {
    skipSeparators();
    if (i >= n) return;
    const scheme = token();
    if (!scheme) throw malformed(s, `unexpected "${s[i]}" at ${i}`);
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    skipWs();
    if (i >= n) return;
    if (s[i] !== ',' && !paramAhead(i)) {
      // token68: base64-ish characters plus trailing "=" padding.
      const start = i;
      while (i < n && TOKEN68.test(s[i])) i++;
      while (i < n && s[i] === '=') i++;
      if (i === start) throw malformed(s, `unexpected "${s[i]}" at ${i}`);
      ch.token68 = s.slice(start, i);
      continue;
    }
    // auth-params, until a comma is followed by something that is not one.
    for (;;) {
      skipSeparators();
      if (i >= n || !paramAhead(i)) break;
      const name = token().toLowerCase();
      skipWs();
      i++; // '='
      skipWs();
      const v = value();
      if (!(name in ch.params)) ch.params[name] = v; // RFC 7235: a repeated name is invalid; keep the first
      skipWs();
      if (i < n && s[i] !== ',') throw malformed(s, `expected "," at ${i}`);
    }
  }
}

/** The access a request needs, in the token spec's scope syntax. */
export function repoScope(repo: string, actions: 'pull' | 'pull,push' | '*'): string {
  return `repository:${repo}:${actions}`;
}

export interface TokenResponse { status: number; body: Buffer }
/** Performs the token GET; the client supplies it so TLS settings and timeouts apply. */
export type TokenFetcher = (url: URL, headers: Record<string, string>) => Promise<TokenResponse>;

/** Token lifetime when the server does not say (the spec's default and minimum). */
const MIN_TOKEN_SECONDS = 60;

/**
 * Per-client auth state: the registry's preferred challenge and the bearer
 * tokens fetched so far, cached per scope set until they expire (for the
 * client's lifetime otherwise).
 */
export class RegistryAuth {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, { token: string; expires: number }>();
  private readonly registry: string;
  private readonly credentials: Credentials | undefined;
  private readonly fetcher: TokenFetcher;

  constructor(registry: string, credentials: Credentials | undefined, fetcher: TokenFetcher) {
    this.registry = registry;
    this.credentials = credentials;
    this.fetcher = fetcher;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  get hasCredentials(): boolean {
    return !!this.credentials;
  }

  /** Records the challenges of a 401: Bearer is preferred, then Basic; others are ignored. */
  setChallenges(list: Challenge[]): void {
    const pick = list.find((c) => c.scheme === 'bearer' && c.params.realm) ?? list.find((c) => c.scheme === 'basic');
    if (pick) this.challenge = pick;
  }

  /** Forgets a cached token, so the next authorization() fetches a new one. */
  invalidate(scopes: string[]): void {
    this.tokens.delete(scopeKey(scopes));
  }

  private basic(): string | undefined {
    if (!this.credentials) return undefined;
    return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
  }

  /** The Authorization header for a request needing `scopes`, or undefined (anonymous). */
  async authorization(scopes: string[]): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') return this.basic();
    if (ch.scheme !== 'bearer') return undefined;
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.fetchToken(ch, scopes);
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  private async fetchToken(ch: Challenge, scopes: string[]): Promise<{ token: string; expires: number }> {
    let url: URL;
    try {
      url = new URL(ch.params.realm);
    } catch {
      throw new HuskError('REGISTRY', `${this.registry}: invalid token realm "${ch.params.realm}"`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new HuskError('REGISTRY', `${this.registry}: unsupported token realm "${ch.params.realm}"`);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    // Our scopes, or the one the registry hinted at when we have none (e.g. ping).
    for (const s of scopes.length ? scopes : ch.params.scope ? [ch.params.scope] : []) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    const basic = this.basic();
    if (basic && this.credentials) {
      headers.Authorization = basic;
      url.searchParams.set('account', this.credentials.username);
    }
    const res = await this.fetcher(url, headers);
    const detail = describeErrorBody(res.body);
    if (res.status === 401 || res.status === 403) {
      throw new HuskError('UNAUTHORIZED', `unable to retrieve auth token: invalid username/password: ${detail ?? 'unauthorized: authentication required'}`);
    }
    if (res.status !== 200) {
      throw new HuskError('REGISTRY', `unable to retrieve auth token from ${url.origin}${url.pathname}: ${detail ?? `HTTP status ${res.status}`}`);
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new HuskError('REGISTRY', `unable to retrieve auth token from ${url.origin}${url.pathname}: response is not JSON`);
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token
      : typeof parsed.access_token === 'string' && parsed.access_token ? parsed.access_token : undefined;
    if (!token) throw new HuskError('REGISTRY', `unable to retrieve auth token from ${url.origin}${url.pathname}: no token in the response`);
    const seconds = Math.max(MIN_TOKEN_SECONDS, typeof parsed.expires_in === 'number' ? parsed.expires_in : 0);
    // Renew a little early so a token does not expire between check and use.
    return { token, expires: Date.now() + (seconds - 5) * 1000 };
  }
}

function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}
