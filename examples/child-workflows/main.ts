// node --conditions=source --import tsx examples/child-workflows/main.ts
import { runChildWorkflows } from './run.js';

await runChildWorkflows();
