import { DEFAULT_MAX_TOKENS, WILDCARD as WILDCARD_EXPORT, isEnumerationWord, maskTokens } from './mask.ts';

// A module-local copy for the hot loops (an imported binding may be read through a getter).
const WILDCARD: string = WILDCARD_EXPORT;

/** A learned template: its stable id, its text with `<*>` for variables, and how many lines it holds. */
export interface MinedTemplate {
  id: string;
  template: string;
  size: number;
}

/** Tuning of {@link TemplateMiner}. The defaults are one configuration for every kind of log. */
export interface MinerOptions {
  /**
   * Depth of the prefix tree as in Drain: one level for the token count, `depth - 2` levels
   * for the leading tokens, then the leaf holding templates.
   */
  depth: number;
  /**
   * Share (0..1) of a template's constant tokens that a message must repeat to count as a
   * variant of it rather than a different event.
   */
  similarity: number;
  /** Most children of an inner tree node; further tokens share the wildcard branch. */
  maxChildren: number;
  /** Most tokens per message; the tail of a longer message collapses into one wildcard. */
  maxTokens: number;
}

export const DEFAULT_MINER_OPTIONS: Readonly<MinerOptions> = Object.freeze({
  depth: 4,
  similarity: 0.5,
  maxChildren: 100,
  maxTokens: DEFAULT_MAX_TOKENS,
});

/**
 * How many distinct words a position must show, in lines that are otherwise the same
 * event, before it counts as a variable. Two values are as often two events
 * (`Starting …`/`Ending …`, `… Begin`/`… End`) as one variable; a third value is the point
 * where an open-ended parameter (user names, host names) shows itself.
 */
const DISTINCT_VALUES_FOR_VARIABLE = 3;
/** Bounds on the bookkeeping kept per root template. */
const MAX_EVIDENCE_SETS = 64;
/** Masked lines remembered for the fast path, and the longest remembered. */
const MEMO_ENTRIES = 65_536;
const MEMO_KEY_CHARS = 2_048;

interface Cluster {
  readonly id: string;
  tokens: string[];
  size: number;
  /** The template this one is a variant of (itself for a root). */
  root: Cluster;
  /**
   * Roots only: for each set of positions at which variants differ from the root, the
   * distinct values seen at each of those positions (the root's own included).
   */
  evidence: Map<string, Set<string>[]> | undefined;
  /** Roots only: variants kept apart until their differing positions prove variable. */
  variants: Cluster[] | undefined;
  /** Set when this variant was merged into its root; the root now stands for its lines. */
  absorbedInto: Cluster | undefined;
  readonly leaf: Leaf;
  text: string | undefined;
}

interface Leaf {
  clusters: Cluster[];
}

interface Inner {
  children: Map<string, Inner | Leaf>;
}

/**
 * 64 bits of hash as 16 hex digits: FNV-1a and a multiply-xorshift lane over UTF-16 units
 * (no BigInt, same result on every platform).
 */
export function hash64(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The id a template created from this masked text gets (`t` + {@link hash64}): the
 * fingerprint of every line whose masked form it is, the same in every process.
 */
export function templateIdOf(masked: string): string {
  return `t${hash64(masked)}`;
}

/**
 * Online log template miner.
 *
 * Messages are masked by the general rules of `mask.ts` (numbers, ids, addresses, paths,
 * `key=value` values...), then routed as in Drain (He et al., ICWS 2017) through a
 * fixed-depth prefix tree keyed by token count and leading tokens to a short list of
 * templates. Unlike Drain, a message that differs from a template in a word is not merged
 * on similarity alone, because after masking such a word is as often the event itself
 * (`VM Paused` / `VM Resumed`) as a parameter (`Invalid user alice`). Instead:
 *
 * - a message that matches a template (equal tokens, or `<*>` in the template) joins it;
 * - a position where both sides hold variables that differ only in punctuation, or where one
 *   side is a pure variable, is a variable: the template generalises there;
 * - a position where the two words are enumeration words (ALL CAPS, `true`/`false`) stays
 *   constant: such words name states and methods, i.e. distinct events;
 * - any other differing word is evidence: the message becomes a *variant* of the template,
 *   kept apart, until the lines differing from the template at that same set of positions
 *   have shown three distinct words at each. Then those positions become `<*>` and the
 *   template absorbs its matching variants.
 *
 * Ids: a template's id is `t` + a 64-bit hash of the masked text of the message that
 * created it (a counter suffix resolves the unlikely collision). The id never changes when
 * the template generalises, and every process that creates the template from the same
 * message gets the same id, whatever it saw before. A variant that is absorbed keeps
 * answering to its id through {@link TemplateMiner.resolve}; it no longer appears in
 * {@link TemplateMiner.templates}.
 *
 * Cost: masking is linear in the line; a message whose masked form was seen before costs one
 * map lookup; a new form compares with the templates of one tree leaf.
 *
 * @example
 * const miner = new TemplateMiner();
 * miner.add('Invalid user alice from 10.0.0.1');
 * miner.add('Invalid user bob from 10.0.0.2');
 * const t = miner.add('Invalid user carol from 10.0.0.3');
 * // t.template === 'Invalid user <*> from <*>', and t.id is the id the first line got
 */
export class TemplateMiner {
  readonly options: Readonly<MinerOptions>;
  private readonly tree: Inner = { children: new Map() };
  private readonly byId = new Map<string, Cluster>();
  private readonly created: Cluster[] = [];
  private readonly memo = new Map<string, Cluster>();

  constructor(options: Partial<MinerOptions> = {}) {
    const o = { ...DEFAULT_MINER_OPTIONS, ...options };
    if (!Number.isInteger(o.depth) || o.depth < 3) throw new RangeError('depth must be an integer of at least 3');
    if (!(o.similarity >= 0 && o.similarity <= 1)) throw new RangeError('similarity must be within 0..1');
    if (!Number.isInteger(o.maxChildren) || o.maxChildren < 1) throw new RangeError('maxChildren must be a positive integer');
    if (!Number.isInteger(o.maxTokens) || o.maxTokens < 1) throw new RangeError('maxTokens must be a positive integer');
    this.options = Object.freeze(o);
  }

  /** Learn from one message; returns the (possibly just generalised) template it belongs to. */
  add(message: string): MinedTemplate {
    return this.addTokens(maskTokens(message, this.options.maxTokens));
  }

  /**
   * Learn from a message already masked ({@link maskTokens} with this miner's `maxTokens`):
   * what {@link add} does after masking. Replaying the distinct masked forms of a stream in
   * the order they first occurred gives the templates and ids that adding every line gives
   * (a repeated form only counts), which is how stored fingerprints are merged.
   */
  addTokens(tokens: string[]): MinedTemplate {
    const key = tokens.join(' ');
    const remembered = key.length <= MEMO_KEY_CHARS ? this.memo.get(key) : undefined;
    if (remembered) {
      // A masked form keeps matching the template it matched: templates only generalise,
      // and a variant is only ever absorbed into a template that matches it.
      const cluster = live(remembered);
      cluster.size++;
      return view(cluster);
    }
    const cluster = this.learn(tokens);
    if (key.length <= MEMO_KEY_CHARS) {
      if (this.memo.size >= MEMO_ENTRIES) this.memo.clear();
      this.memo.set(key, cluster);
    }
    return view(cluster);
  }

  /** Find the template a message belongs to without learning. */
  match(message: string): MinedTemplate | undefined {
    const tokens = maskTokens(message, this.options.maxTokens);
    const remembered = this.memo.get(tokens.join(' '));
    if (remembered) return view(live(remembered));
    const leaf = this.leaf(tokens, false);
    const cluster = leaf && bestMatch(leaf.clusters, tokens);
    return cluster ? view(cluster) : undefined;
  }

  /** The live templates (absorbed variants excluded), in order of creation. */
  templates(): MinedTemplate[] {
    const out: MinedTemplate[] = [];
    for (const c of this.created) if (!c.absorbedInto) out.push(view(c));
    return out;
  }

  /**
   * The template an id stands for now: the template itself, or the one that absorbed it.
   * Every id that {@link add} ever returned resolves.
   */
  resolve(id: string): MinedTemplate | undefined {
    const cluster = this.byId.get(id);
    return cluster ? view(live(cluster)) : undefined;
  }

  private learn(tokens: string[]): Cluster {
    const leaf = this.leaf(tokens, true) as Leaf;
    const matched = bestMatch(leaf.clusters, tokens);
    if (matched) {
      matched.size++;
      return matched;
    }
    const root = this.nearestRoot(leaf, tokens);
    if (!root) return this.create(tokens, leaf, undefined);

    const generalise: number[] = [];
    const words: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const a = root.tokens[i] as string;
      const b = tokens[i] as string;
      if (a === WILDCARD || a === b) continue;
      if (isPureVariable(a) || isPureVariable(b) || (a.includes(WILDCARD) && b.includes(WILDCARD) && skeleton(a) === skeleton(b))) {
        generalise.push(i);
      } else words.push(i);
    }
    if (words.length > 0 && !this.wordsAreVariables(root, words, generalise, tokens)) return this.create(tokens, leaf, root);
    for (const p of words) generalise.push(p);
    this.generalise(root, generalise);
    root.size++;
    return root;
  }

  /**
   * Records the words of a variant as evidence and says whether they have proved variable.
   * Evidence is pooled only between lines that differ from the root at exactly the same
   * positions (`words` plus the variable positions `others`), i.e. in the same way.
   */
  private wordsAreVariables(root: Cluster, positions: number[], others: number[], tokens: string[]): boolean {
    let variable = true;
    for (const p of positions) {
      if (isEnumerationWord(tokens[p] as string) && isEnumerationWord(root.tokens[p] as string)) variable = false;
    }
    if (!variable) return false;
    root.evidence ??= new Map();
    const key = `${positions.join(',')}/${others.join(',')}`;
    let seen = root.evidence.get(key);
    if (!seen) {
      if (root.evidence.size >= MAX_EVIDENCE_SETS) root.evidence.clear();
      seen = positions.map((p) => new Set([root.tokens[p] as string]));
      root.evidence.set(key, seen);
    }
    for (let j = 0; j < positions.length; j++) {
      const values = seen[j] as Set<string>;
      if (values.size < DISTINCT_VALUES_FOR_VARIABLE) values.add(tokens[positions[j] as number] as string);
      if (values.size < DISTINCT_VALUES_FOR_VARIABLE) variable = false;
    }
    return variable;
  }

  private generalise(root: Cluster, positions: number[]): void {
    if (positions.length === 0) return;
    for (const p of positions) root.tokens[p] = WILDCARD;
    root.text = undefined;
    if (!root.variants) return;
    const kept: Cluster[] = [];
    for (const v of root.variants) {
      if (matches(root.tokens, v.tokens)) {
        v.absorbedInto = root;
        root.size += v.size;
        const i = v.leaf.clusters.indexOf(v);
        if (i >= 0) v.leaf.clusters.splice(i, 1);
      } else kept.push(v);
    }
    root.variants = kept;
  }

  private create(tokens: string[], leaf: Leaf, root: Cluster | undefined): Cluster {
    const text = tokens.join(' ');
    let id = templateIdOf(text);
    if (this.byId.has(id)) {
      let n = 1;
      while (this.byId.has(`${id}-${n}`)) n++;
      id = `${id}-${n}`;
    }
    const cluster: Cluster = {
      id,
      tokens,
      size: 1,
      root: root as Cluster, // a root points to itself, set below
      evidence: undefined,
      variants: undefined,
      absorbedInto: undefined,
      leaf,
      text,
    };
    if (root) (root.variants ??= []).push(cluster);
    else cluster.root = cluster;
    leaf.clusters.push(cluster);
    this.byId.set(id, cluster);
    this.created.push(cluster);
    return cluster;
  }

  /**
   * The root template sharing the most positions with the message, provided the message
   * repeats at least one and at least `similarity` of the root's constant tokens.
   */
  private nearestRoot(leaf: Leaf, tokens: string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestSame = -1;
    for (const cluster of leaf.clusters) {
      if (cluster.root !== cluster) continue;
      const t = cluster.tokens;
      let constants = 0;
      let repeated = 0;
      let same = 0;
      for (let i = 0; i < t.length; i++) {
        const a = t[i] as string;
        const b = tokens[i] as string;
        if (a === WILDCARD) {
          same++;
          continue;
        }
        const variable = a.includes(WILDCARD);
        if (!variable) constants++;
        if (a === b) {
          same++;
          if (!variable) repeated++;
        } else if (variable && b.includes(WILDCARD) && skeleton(a) === skeleton(b)) same++;
      }
      if (repeated === 0 || repeated < this.options.similarity * constants) continue;
      if (same > bestSame) {
        best = cluster;
        bestSame = same;
      }
    }
    return best;
  }

  /**
   * The leaf for a message: token count, then up to `depth - 2` leading tokens (never the
   * last one, the likeliest to be a parameter). A leading token holding a variable, or
   * shaped like a name (`com.apple.x:`, `host/db`, `user@h`), routes to the wildcard branch,
   * as Drain does with tokens containing digits.
   */
  private leaf(tokens: string[], create: boolean): Leaf | undefined {
    const levels = Math.max(0, Math.min(this.options.depth - 2, tokens.length - 1));
    let node: Inner = this.tree;
    let key = String(tokens.length);
    for (let level = 0; level <= levels; level++) {
      // The token-count level is exact; the leading-token levels hold at most maxChildren.
      const full = level > 0 && node.children.size >= this.options.maxChildren;
      let next = node.children.get(key);
      if (!next && full) {
        key = WILDCARD;
        next = node.children.get(key);
      }
      if (!next) {
        if (!create) return undefined;
        next = level === levels ? { clusters: [] } : { children: new Map() };
        node.children.set(key, next);
      }
      if (level === levels) return next as Leaf;
      node = next as Inner;
      const token = tokens[level] as string;
      key = routesToWildcard(token) ? WILDCARD : token;
    }
    return undefined;
  }
}

function live(cluster: Cluster): Cluster {
  let c = cluster;
  while (c.absorbedInto) c = c.absorbedInto;
  return c;
}

/**
 * The letters of a masked token outside its wildcards (and `=`): two masked tokens with the
 * same skeleton differ only in variables and punctuation (`LOCAL(<*>),` and `<*>,`).
 */
function skeleton(token: string): string {
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 60 && token.startsWith(WILDCARD, i)) {
      i += WILDCARD.length - 1;
      continue;
    }
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 61) out += token[i];
  }
  return out;
}

/** A token that is nothing but a variable with punctuation around it. */
function isPureVariable(token: string): boolean {
  return token.includes(WILDCARD) && skeleton(token) === '';
}

function routesToWildcard(token: string): boolean {
  if (token.includes(WILDCARD)) return true;
  for (let i = 1; i < token.length - 1; i++) {
    const c = token.charCodeAt(i);
    if (c === 46 || c === 47 || c === 92 || c === 64) return true;
  }
  return false;
}

function matches(template: string[], tokens: string[]): boolean {
  for (let i = 0; i < template.length; i++) {
    const a = template[i] as string;
    if (a !== WILDCARD && a !== tokens[i]) return false;
  }
  return true;
}

/**
 * The most specific template matching the message (each token equal, or `<*>` in the
 * template). A template left with no constant token matches only messages without one.
 */
function bestMatch(clusters: Cluster[], tokens: string[]): Cluster | undefined {
  let best: Cluster | undefined;
  let bestConstants = -1;
  let lineHasWord: boolean | undefined;
  for (const cluster of clusters) {
    const t = cluster.tokens;
    let constants = 0;
    let ok = true;
    for (let i = 0; i < t.length; i++) {
      const a = t[i] as string;
      if (a === WILDCARD) continue;
      if (a !== tokens[i]) {
        ok = false;
        break;
      }
      constants++;
    }
    if (!ok) continue;
    if (constants === 0) {
      lineHasWord ??= tokens.some((x) => !x.includes(WILDCARD));
      if (lineHasWord) continue;
    }
    if (constants > bestConstants) {
      best = cluster;
      bestConstants = constants;
    }
  }
  return best;
}

function view(cluster: Cluster): MinedTemplate {
  cluster.text ??= cluster.tokens.join(' ');
  return { id: cluster.id, template: cluster.text, size: cluster.size };
}
