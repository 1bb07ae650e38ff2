// node --conditions=source --import tsx examples/supervision-tree/main.ts
import { runSupervisionTree } from './run.js';

for (const line of await runSupervisionTree()) console.log(line);
