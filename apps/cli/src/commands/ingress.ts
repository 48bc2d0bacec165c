import { openRuntime } from '../runtime.ts';
import { closeOnSignal } from '../services.ts';
import { serveIngress } from '../serve.ts';

/** `loglore ingress`: the HTTP API only, for scaling out (needs DATABASE_URL). */
export async function ingressCommand(): Promise<void> {
  const runtime = await openRuntime({ embeddedRedis: false, migrate: false, requirePostgres: true });
  const http = await serveIngress(runtime);
  closeOnSignal(runtime, [() => http.close(runtime.config.shutdownTimeoutMs)]);
}
