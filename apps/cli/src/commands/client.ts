import { InvalidArgumentError, type Command } from 'commander';
import { withHttpOptions } from '../http.ts';

/** A positive whole number option (`--batch 1000`), or commander's usage error (exit 2). */
export function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return n;
  };
}

/**
 * Runs a command's action, imported only when that command runs (`load`), and exits with the
 * code it returns (0 ok, 1 failure) at once: idle keep-alive sockets must not hold a finished
 * command open. (stdout and stderr are synchronous for files and pipes on Linux, so nothing
 * written is lost.)
 */
function run<A extends unknown[]>(load: () => Promise<(...args: A) => Promise<number>>) {
  return async (...args: A) => {
    const action = await load();
    process.exit(await action(...args));
  };
}

/**
 * The commands that talk to a running loglore over HTTP (ask, logs ingest, backfill,
 * patterns) or work locally (mine, extract). Exit codes: 0 ok, 1 failure, 2 bad usage.
 */
export function registerClientCommands(program: Command): void {
  withHttpOptions(
    program
      .command('ask')
      .description('ask a question and print each step of its analysis as it arrives')
      .argument('<text>', 'the question, e.g. "NPSB transfers failing in prod since 10:00"')
      .option('--project <name>', 'project hint (wins over the text)')
      .option('--env <name>', 'environment hint')
      .option('--domain <name>', 'domain hint')
      .option('--conversation <id>', 'ask as the next turn of this conversation')
      .option('--json', 'print each step event as one JSON line (for scripts)'),
  ).action(run(async () => (await import('./ask.ts')).askCommand));

  const logs = program.command('logs').description('log events');
  withHttpOptions(
    logs
      .command('ingest')
      .description('send NDJSON or plain-text log lines to loglore, with a progress bar')
      .argument('<file>', 'log file, or - for stdin')
      .option('--project <name>', 'project of lines that do not say theirs')
      .option('--env <name>', 'environment of lines that do not say theirs')
      .option('--domain <name>', 'domain of lines that do not say theirs')
      .option('--service <name>', 'service of lines that do not say theirs')
      .option('--batch <lines>', 'lines per request', positiveInt(100_000), 5_000),
  ).action(run(async () => (await import('./logs.ts')).logsIngestCommand));

  withHttpOptions(
    program
      .command('backfill')
      .description('load historical incidents (NDJSON) to warm the memory; resumable, with a progress bar')
      .argument('<file>', 'NDJSON file, one incident a line: {occurred_at, text, project, env, domain, trace_ids?, error_pattern?, resolution?, resolved?, logs?}')
      .option('--batch <incidents>', 'incidents per request', positiveInt(10_000), 1_000)
      .option('--restart', 'ignore FILE.loglore-progress and start a new backfill')
      .option('--max-batches <n>', 'stop after n batches (run again to continue)', positiveInt(1_000_000))
      .option('--wait', 'after sending, wait until every incident is analysed (exit 1 if any failed)'),
  ).action(run(async () => (await import('./backfill.ts')).backfillCommand));

  program
    .command('mine')
    .description(
      'mine log templates locally: one NDJSON {line, template_id, template} per non-blank input line, ' +
        'the final grouping (reads all lines first, then prints; memory about 8 bytes a line)',
    )
    .argument('[file]', 'log file (default: stdin)')
    .option('--stream', 'print each line as it is read, with the template id it got then: ids may merge later, so one final group can show several ids')
    .action(run(async () => (await import('./mine.ts')).mineCommand));

  withHttpOptions(
    program
      .command('extract')
      .description('print the parameters extracted from TEXT as JSON (computed locally)')
      .argument('<text>', 'the question')
      .option('--at <time>', 'the time the question is asked (ISO-8601; default now)')
      .option('--conversation <id>', "read this conversation's last parameters as the previous turn (over HTTP)"),
  ).action(run(async () => (await import('./extract.ts')).extractCommand));

  withHttpOptions(
    program
      .command('patterns')
      .description('the known error patterns with their statistics')
      .option('--domain <name>', 'only this domain')
      .option('--error-type <type>', 'only this error type, e.g. DB_POOL_EXHAUSTED')
      .option('--limit <n>', 'at most n patterns', positiveInt(500))
      .option('--long', 'also print typical causes and resolution steps')
      .option('--json', 'print the API answer as JSON'),
  ).action(run(async () => (await import('./patterns.ts')).patternsCommand));
}
