// `npm run bench`: the runner is TypeScript (bench/lib/runner.ts), loaded through tsx as the
// benches themselves are. Usage and options: bench/lib/runner.ts, README.md "Benchmarks".
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./lib/runner.ts');
process.exitCode = await main(process.argv.slice(2));
