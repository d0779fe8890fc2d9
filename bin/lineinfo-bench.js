#!/usr/bin/env node
// The compiled CLI lives in dist/ (npm run build).
import { run } from '../dist/cli.js';

// A reader that goes away (output piped into head) ends the output quietly,
// as with any Unix tool, instead of a stack trace for the EPIPE.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await run(process);
