// `npm start`: node --conditions=source --import tsx examples/demo/main.ts
import { runDemo } from './run.js';

const stop = new AbortController();
process.once('SIGINT', () => {
  stop.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.once('SIGTERM', () => stop.abort());

await runDemo({
  dataPath: process.env.REPRISE_DATA ?? './.reprise-data',
  orders: Number(process.env.DEMO_ORDERS ?? 20),
  signal: stop.signal,
  out: process.stdout,
  // DEMO_UI_PORT=off runs the demo without its web UI.
  ...(process.env.DEMO_UI_PORT === 'off' ? {} : { uiPort: Number(process.env.DEMO_UI_PORT ?? 7800) }),
});
