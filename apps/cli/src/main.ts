import { Command, CommanderError } from 'commander';
import { startCommand } from './commands/start.ts';
import { closeRuntime, openRuntime } from './runtime.ts';

const program = new Command()
  .name('loglore')
  .description('Memory and analysis back end for log-analysis assistants')
  .showHelpAfterError()
  .exitOverride();

program
  .command('start')
  .description('run the HTTP API and every worker in one process (embedded defaults)')
  .action(startCommand);

program
  .command('migrate')
  .description('apply the migrations in drizzle/')
  .action(async () => {
    const runtime = await openRuntime({ embeddedRedis: false, migrate: true });
    process.stdout.write(`migrations applied (${runtime.database.kind})\n`);
    await closeRuntime(runtime);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`loglore: ${(error as Error).message}\n`);
  process.exit(1);
}
