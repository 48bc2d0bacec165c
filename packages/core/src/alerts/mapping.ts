/**
 * Which alert labels become which analysis parameters. Alertmanager and Grafana label sets
 * differ from one organisation to the next, so the names are configurable
 * (LOGLORE_ALERT_LABELS); the first label present, in the order given, wins.
 */

/** The parameters an alert's labels can give. */
export const HINT_PARAMS = ['project', 'env', 'domain', 'service'] as const;
export type HintParam = (typeof HINT_PARAMS)[number];

/** For each parameter, the label names that give it, most specific first. */
export type LabelMapping = Readonly<Record<HintParam, readonly string[]>>;

/**
 * The documented defaults: `project`; `env` or `environment`; `domain`; `service`, `job` or
 * `app` (Prometheus names a scrape target's service `job`; Kubernetes charts say `app`).
 */
export const DEFAULT_LABEL_MAPPING: LabelMapping = Object.freeze({
  project: Object.freeze(['project']),
  env: Object.freeze(['env', 'environment']),
  domain: Object.freeze(['domain']),
  service: Object.freeze(['service', 'job', 'app']),
});

// Label names: anything printable but the separators of the spec itself.
const LABEL_NAME = /^[^\s,;=]{1,128}$/;

/**
 * Parses `param=label1,label2;param=label3` over the defaults: each parameter named replaces
 * its default list, the others keep theirs. Throws one error naming what is wrong.
 *
 * @example
 * parseLabelMapping('env=stage,environment;service=app_name')
 * // → { project: ['project'], env: ['stage', 'environment'], domain: ['domain'], service: ['app_name'] }
 */
export function parseLabelMapping(spec: string | undefined, base: LabelMapping = DEFAULT_LABEL_MAPPING): LabelMapping {
  const mapping: Record<HintParam, readonly string[]> = { ...base };
  if (!spec) return mapping;
  const seen = new Set<string>();
  for (const raw of spec.split(';')) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`LOGLORE_ALERT_LABELS: "${entry.slice(0, 40)}" must look like param=label1,label2`);
    const param = entry.slice(0, eq).trim();
    if (!(HINT_PARAMS as readonly string[]).includes(param)) {
      throw new Error(`LOGLORE_ALERT_LABELS: unknown parameter "${param.slice(0, 40)}" (use ${HINT_PARAMS.join(', ')})`);
    }
    if (seen.has(param)) throw new Error(`LOGLORE_ALERT_LABELS: "${param}" is given twice`);
    seen.add(param);
    const labels = entry
      .slice(eq + 1)
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    if (labels.length === 0) throw new Error(`LOGLORE_ALERT_LABELS: "${param}" needs at least one label name`);
    const bad = labels.find((l) => !LABEL_NAME.test(l));
    if (bad !== undefined) throw new Error(`LOGLORE_ALERT_LABELS: "${bad.slice(0, 40)}" is not a label name`);
    mapping[param as HintParam] = labels;
  }
  return mapping;
}

/** The value of the first mapped label present and non-empty, or null. */
export function pickLabel(labels: Readonly<Record<string, string>>, names: readonly string[]): string | null {
  for (const name of names) {
    const value = labels[name]?.trim();
    if (value) return value;
  }
  return null;
}
