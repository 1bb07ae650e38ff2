/**
 * The wall clock of core's in-memory stores: what their leases expire by when no clock is given,
 * as a database's leases expire by the server's clock. The one place core reads the time; the
 * engine's clock (virtual or real) is `@reprise/actors`'s.
 */
export const wallClock: { now(): number } = { now: () => Date.now() };
