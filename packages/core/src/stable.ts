type Work = { literal: string } | { value: unknown };

/**
 * JSON with object keys sorted at every depth (undefined members dropped), so equal values hash
 * equally. Iterative: a value of any depth (a hostile body nesting 100,000 arrays) is written
 * without recursion. The output is exactly that of the recursive version it replaced, because
 * backfill idempotency keys are hashes of it.
 */
export function stableStringify(value: unknown): string {
  const out: string[] = [];
  const work: Work[] = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ('literal' in item) {
      out.push(item.literal);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      // Pushed in reverse: popped as `[`, v[0], `,`, v[1], …, `]`.
      work.push({ literal: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        work.push({ value: v[i] as unknown });
        if (i > 0) work.push({ literal: ',' });
      }
      work.push({ literal: '[' });
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, member]) => member !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      work.push({ literal: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i]!;
        work.push({ value: member });
        work.push({ literal: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
      }
      work.push({ literal: '{' });
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}
