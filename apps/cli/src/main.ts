import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { REFERENCE_PATTERNS } from '@loglore/core';
import { seedReferencePatterns } from '@loglore/db';
import { startCommand } from './commands/start.ts';
import { parseSteps, workerCommand } from './commands/worker.ts';
import { ingressCommand } from './commands/ingress.ts';
import { registerClientCommands } from './commands/client.ts';
import { closeRuntime, openRuntime } from './runtime.ts';

// The CLI package's version (apps/cli/package.json), from src/ or a built dist/ alike.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('loglore')
  .description('Memory and analysis back end for log-analysis assistants')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

program
  .command('start')
  .description('run the HTTP API and every worker in one process (embedded defaults)')
  .action(startCommand);

program
  .command('ingress')
  .description('run the HTTP API only; needs DATABASE_URL')
  .action(ingressCommand);

program
  .command('worker')
  .description('run BullMQ workers only (all steps, or --only a subset); needs DATABASE_URL')
  .option('--only <steps>', 'comma-separated steps: extract-params, find-similar, analyze, persist, pattern-stats', parseSteps)
  .action(workerCommand);

program
  .command('migrate')
  .description('apply the migrations in drizzle/')
  .action(async () => {
    const runtime = await openRuntime({ embeddedRedis: false, migrate: true });
    const seeded = await seedReferencePatterns(runtime.database.db, REFERENCE_PATTERNS);
    process.stdout.write(`migrations applied, ${seeded} reference patterns seeded (${runtime.database.kind})\n`);
    await closeRuntime(runtime);
  });

registerClientCommands(program);

// Exit codes scripts rely on: 0 ok (and --help), 1 failure, 2 bad usage (commander's errors
// and UsageError carry exitCode 2).
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  process.stderr.write(`loglore: ${(error as Error).message}\n`);
  process.exit((error as { exitCode?: number }).exitCode ?? 1);
}
