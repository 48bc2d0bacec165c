#!/usr/bin/env node
// The `loglore` command. The code is TypeScript run through tsx's loader, so a fresh clone
// runs without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
