// The guards' rules as properties: a token matches only itself, a Host only this server's own
// address, an Origin only `http://` and that address — whatever the other strings are.
import fc from 'fast-check';
import { allowedHosts, hostAllowed, newToken, originAllowed, tokenMatches } from '../src/security.js';

const hosts = allowedHosts('127.0.0.1', 7800);
const own = ['127.0.0.1:7800', 'localhost:7800', '[::1]:7800'];

describe('the UI guards', () => {
  it('a token matches exactly itself', () => {
    const token = newToken();
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(undefined, token)).toBe(false);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        (presented) => tokenMatches(presented, token) === (presented === token),
      ),
    );
  });

  it('a Host is allowed only when it names this server (any letter case), on its port', () => {
    for (const host of own) expect(hostAllowed(host, hosts)).toBe(true);
    expect(hostAllowed('LOCALHOST:7800', hosts)).toBe(true);
    expect(hostAllowed(undefined, hosts)).toBe(false);
    fc.assert(
      fc.property(fc.string(), (host) => hostAllowed(host, hosts) === own.includes(host.toLowerCase())),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65_535 }),
        fc.constantFrom('127.0.0.1', 'localhost', 'evil.example'),
        (port, name) => hostAllowed(`${name}:${port}`, hosts) === (port === 7800 && name !== 'evil.example'),
      ),
    );
  });

  it('an Origin is allowed only as http:// and an allowed host', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http://', 'https://', '', 'http:', 'ws://'),
        fc.constantFrom(...own, 'evil.example:7800', '127.0.0.1:7801'),
        (scheme, host) =>
          originAllowed(`${scheme}${host}`, hosts) === (scheme === 'http://' && own.includes(host)),
      ),
    );
    expect(originAllowed(undefined, hosts)).toBe(false);
    expect(originAllowed('null', hosts)).toBe(false);
  });

  it('a server bound elsewhere answers only to that address', () => {
    const lan = allowedHosts('192.168.1.20', 8080);
    expect([...lan]).toEqual(['192.168.1.20:8080']);
    expect(hostAllowed('localhost:8080', lan)).toBe(false);
  });
});
