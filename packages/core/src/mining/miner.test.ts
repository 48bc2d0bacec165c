import { describe, expect, it } from 'vitest';
import { WILDCARD } from './mask.ts';
import { TemplateMiner } from './miner.ts';

function mine(lines: string[], miner = new TemplateMiner()): { miner: TemplateMiner; ids: string[] } {
  return { miner, ids: lines.map((l) => miner.add(l).id) };
}

/** Final grouping: each line's id resolved to the template that holds it now. */
function groups(miner: TemplateMiner, ids: string[]): string[] {
  return ids.map((id) => miner.resolve(id)?.id ?? 'missing');
}

describe('TemplateMiner', () => {
  it('groups lines that differ only in variables under one template', () => {
    const { miner, ids } = mine([
      'Accepted connection from 10.0.0.1:5432 in 12ms (session=ab12cd)',
      'Accepted connection from 172.16.4.20:61000 in 3.5s (session=ff09aa)',
      'Accepted connection from [2001:db8::1]:443 in 900ms (session=0001)',
    ]);
    expect(new Set(ids).size).toBe(1);
    expect(miner.templates()).toEqual([{ id: ids[0], template: 'Accepted connection from <*> in <*> (session=<*>)', size: 3 }]);
  });

  it('keeps distinct events of the same shape apart', () => {
    const { miner, ids } = mine([
      'worker 3 started processing queue',
      'worker 4 stopped processing queue',
      'worker 5 started processing queue',
      'worker 6 stopped processing queue',
      'cache 1 evicted 20 entries',
    ]);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[1]).toBe(ids[3]);
    expect(ids[0]).not.toBe(ids[1]);
    expect(miner.templates().map((t) => t.template)).toEqual([
      'worker <*> started processing queue',
      'worker <*> stopped processing queue',
      'cache <*> evicted <*> entries',
    ]);
  });

  it('keeps events told apart by an enumeration word apart, however many there are', () => {
    const states = ['NEW', 'RUNNING', 'FAILED', 'SUCCEEDED', 'KILLED'];
    const { miner, ids } = mine(states.map((s, i) => `task ${i} transitioned to ${s}`));
    expect(new Set(ids).size).toBe(states.length);
    expect(new Set(groups(miner, ids)).size).toBe(states.length);
  });

  it('turns a word into a variable once it has shown three values in otherwise equal lines', () => {
    const { miner, ids } = mine([
      'Invalid user alice from 10.0.0.1',
      'Invalid user bob from 10.0.0.2',
      'Invalid user carol from 10.0.0.3',
      'Invalid user dave from 10.0.0.4',
    ]);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[3]).toBe(ids[0]);
    expect(new Set(groups(miner, ids))).toEqual(new Set([ids[0]]));
    expect(miner.templates()).toEqual([{ id: ids[0], template: 'Invalid user <*> from <*>', size: 4 }]);
  });

  it('lets an absorbed variant id resolve to the template that absorbed it', () => {
    const { miner, ids } = mine(['removing alpha', 'removing beta', 'removing gamma']);
    expect(miner.resolve(ids[1] as string)).toEqual({ id: ids[0], template: `removing ${WILDCARD}`, size: 3 });
    expect(miner.resolve('t-unknown')).toBeUndefined();
  });

  it('gives a template that generalises the same id', () => {
    const miner = new TemplateMiner();
    const first = miner.add('synchronized to LOCAL(0), stratum 10');
    const second = miner.add('synchronized to 10.100.20.250, stratum 3');
    expect(first.template).toBe('synchronized to LOCAL(<*>), stratum <*>');
    expect(second).toEqual({ id: first.id, template: 'synchronized to <*> stratum <*>', size: 2 });
  });

  it('gives the same ids in every process for the same input', () => {
    const lines = ['boot 1 ok', 'link eth0 down', 'boot 2 ok', 'user x y', 'user z y', 'user w y', 'link eth1 down'];
    const a = mine(lines);
    const b = mine(lines);
    expect(b.ids).toEqual(a.ids);
    expect(b.miner.templates()).toEqual(a.miner.templates());
  });

  it('derives an id from the line that created the template, not from what came before', () => {
    const alone = new TemplateMiner().add('disk /dev/sda1 is 91% full');
    const miner = new TemplateMiner();
    for (let i = 0; i < 50; i++) miner.add(`unrelated event ${i} number ${i * 7}`);
    expect(miner.add('disk /dev/sdb2 is 97% full').id).toBe(alone.id);
  });

  it('matches without learning', () => {
    const miner = new TemplateMiner();
    miner.add('payment 1001 declined by issuer');
    expect(miner.match('payment 2002 declined by issuer')).toEqual({
      id: miner.templates()[0]?.id,
      template: 'payment <*> declined by issuer',
      size: 1,
    });
    expect(miner.match('refund 7 settled')).toBeUndefined();
    expect(miner.templates()).toHaveLength(1);
  });

  it('matches every learned line to the template that holds it', () => {
    const lines = ['open file a', 'open file b', 'open file c', 'close 4 handles', 'open file d'];
    const { miner, ids } = mine(lines);
    expect(lines.map((l) => miner.match(l)?.id)).toEqual(groups(miner, ids));
  });

  it('never lets a template of variables swallow lines with words', () => {
    const { ids } = mine(['10.0.0.1 200', 'GET done']);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('keeps lines of different token counts apart', () => {
    const { ids } = mine(['job 1 done', 'job 2 done now']);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('stays correct when a tree node is full', () => {
    const miner = new TemplateMiner({ maxChildren: 2 });
    const ids = ['alpha', 'beta', 'gamma', 'delta'].map((w) => miner.add(`${w} service 7 ready`).id);
    expect(new Set(ids).size).toBe(4);
    expect(miner.add('gamma service 8 ready').id).toBe(ids[2]);
  });

  it('caps the tokens of a 100 KB line', () => {
    const miner = new TemplateMiner({ maxTokens: 64 });
    const line = `start ${'chunk '.repeat(20_000)}end`;
    const t = miner.add(line);
    const tokens = t.template.split(' ');
    expect(tokens).toHaveLength(64);
    expect(tokens[63]).toBe(WILDCARD);
    expect(miner.add(`start ${'chunk '.repeat(30_000)}tail`).id).toBe(t.id);
  });

  it('learns a 100 KB line without spaces as one variable token', () => {
    const miner = new TemplateMiner();
    expect(miner.add('x'.repeat(100_000)).template).toBe(WILDCARD);
  });

  it('gives empty and blank messages one empty template', () => {
    const miner = new TemplateMiner();
    const a = miner.add('');
    expect(miner.add(' \t ')).toEqual({ id: a.id, template: '', size: 2 });
  });

  it('rejects options that cannot work', () => {
    expect(() => new TemplateMiner({ depth: 2 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ similarity: 1.5 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ maxTokens: 0 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ maxChildren: 0 })).toThrow(RangeError);
  });
});
