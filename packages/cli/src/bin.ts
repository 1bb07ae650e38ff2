#!/usr/bin/env node
import { runCli } from './main.js';

// A reader that stops early (`reprise list | head`) closes the pipe: the output it wanted has
// been written, so that is a normal end, not a crash with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await runCli(process.argv.slice(2));
