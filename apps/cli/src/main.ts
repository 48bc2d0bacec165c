import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerClientCommands } from './commands/client.ts';
import type { Step } from '@loglore/queue';
import { parseSteps } from './steps.ts';

// Each command's code is imported when it runs: `loglore --version` or a usage error loads
// commander and nothing else (no database driver, queue or HTTP framework), which keeps every
// command's start-up short. In the bundle (build.mjs) each is a chunk of its own.

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
  .action(async () => (await import('./commands/start.ts')).startCommand());

program
  .command('ingress')
  .description('run the HTTP API only; needs DATABASE_URL')
  .action(async () => (await import('./commands/ingress.ts')).ingressCommand());

program
  .command('worker')
  .description('run BullMQ workers only (all steps, or --only a subset); needs DATABASE_URL')
  .option('--only <steps>', 'comma-separated steps: extract-params, find-similar, analyze, persist, pattern-stats', parseSteps)
  .action(async (options: { only?: Step[] }) => (await import('./commands/worker.ts')).workerCommand(options));

program
  .command('migrate')
  .description('apply the migrations in drizzle/')
  .action(async () => (await import('./commands/migrate.ts')).migrateCommand());

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
