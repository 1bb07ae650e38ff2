/**
 * The UI's three guards, as Jupyter's server has them: the Host header must name this server
 * (so a page on another site cannot reach it through DNS rebinding), and a request that changes
 * anything must carry the token printed at start and come from the UI's own origin. Rendering
 * everything as text is the front end's part (it builds DOM nodes, never HTML strings).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The header a mutating request carries the token in. */
export const TOKEN_HEADER = 'x-reprise-token';

/** A fresh token: 24 random bytes, base64url. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The Host header values this server answers to: its own address, and `localhost` when on loopback. */
export function allowedHosts(hostname: string, port: number): ReadonlySet<string> {
  const names = new Set([hostname.includes(':') ? `[${hostname}]` : hostname]);
  if (isLoopback(hostname)) for (const name of ['127.0.0.1', 'localhost', '[::1]']) names.add(name);
  return new Set([...names].map((name) => `${name}:${port}`));
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || hostname.startsWith('127.');
}

/** Whether a request's Host header names this server. */
export function hostAllowed(host: string | undefined, allowed: ReadonlySet<string>): boolean {
  return host !== undefined && allowed.has(host.toLowerCase());
}

/** Whether an Origin header is this server's own (`http://` and an allowed host). */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined || !origin.startsWith('http://')) return false;
  return allowed.has(origin.slice('http://'.length).toLowerCase());
}

/** Compares a presented token with the server's in constant time. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
