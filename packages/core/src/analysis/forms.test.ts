import { describe, expect, it } from 'vitest';
import { fingerprintLine } from '../mining/index.ts';
import type { LogEvent } from '../schemas.ts';
import { analyze, errorWeight } from './analyze.ts';
import { templatesOfForms, type FormOccurrence } from './forms.ts';
import { CAUSES, renderIncident } from './incidents.fixture.ts';

/** The distinct fingerprints of the events, each at its first occurrence (baseline first). */
function formsOf(events: readonly LogEvent[]): FormOccurrence[] {
  const forms = new Map<string, FormOccurrence>();
  for (const e of events) {
    const fp = fingerprintLine(e.message);
    const ms = Date.parse(e.ts);
    const known = forms.get(fp.id);
    if (!known || ms < known.firstMs) forms.set(fp.id, { id: fp.id, masked: fp.masked, firstMs: ms });
  }
  return [...forms.values()];
}

describe('templatesOfForms', () => {
  it('groups the fingerprints of an analysis as analyze() mines its lines: same template ids, texts and counts', () => {
    for (const cause of [...CAUSES, null]) {
      for (let seed = 1; seed <= 4; seed++) {
        const incident = renderIncident(cause, seed);
        // What the analyze step passes: error-like events only.
        const events = incident.events.filter((e) => errorWeight(e) > 0);
        const baseline = incident.baseline.filter((e) => errorWeight(e) > 0);
        const outcome = analyze({ question: 'what failed?', parameters: incident.parameters, events, baseline, similar: [], knownPatterns: () => undefined });
        const templates = templatesOfForms(formsOf([...baseline, ...events]));
        const counts = new Map<string, number>();
        for (const e of events) {
          const t = templates.get(fingerprintLine(e.message).id)!;
          counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
        }
        expect(outcome.evidence.templates.length).toBeGreaterThan(0);
        for (const t of outcome.evidence.templates) {
          expect(counts.get(t.template_id), `${cause} seed ${seed}: ${t.template}`).toBe(t.count);
          const text = [...templates.values()].find((x) => x.id === t.template_id)?.template;
          expect(text, `${cause} seed ${seed}`).toBe(t.template);
        }
      }
    }
  });

  it('merges variants of one message into the template of the form seen first', () => {
    const forms = ['alice', 'bob', 'carol', 'dave'].map((u, i) => ({ ...fingerprintLine(`Invalid user ${u} from 10.0.0.${i}`), firstMs: 10 - i }));
    const templates = templatesOfForms(forms);
    // dave occurred first (firstMs 7), so his form created the template.
    expect(new Set([...templates.values()].map((t) => t.id))).toEqual(new Set([forms[3]!.id]));
    expect(templates.get(forms[0]!.id)?.template).toBe('Invalid user <*> from <*>');
  });
});
