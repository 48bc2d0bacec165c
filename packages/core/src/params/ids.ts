/**
 * Ids, HTTP statuses and error codes, found by bounded regexes over the raw text. Patterns run
 * in priority order and a match overlapping an earlier one is skipped, so a traceparent's span
 * id is not also read as a trace id and "status code 500" is a status, not an error code.
 */

export interface IdFindings {
  trace_ids: string[];
  request_ids: string[];
  transaction_ids: string[];
  http_status: number[];
  http_status_classes: string[];
  error_codes: string[];
  /** Text spans of labels ("trace_id=", "status") and of values, for masking tokens. */
  labelSpans: Array<[number, number]>;
  valueSpans: Array<[number, number]>;
}

type Sink = 'trace' | 'request' | 'transaction' | 'http' | 'class' | 'code' | 'ignore';

interface Rule {
  re: RegExp;
  /** The value group holds a list ("502/504", "51 and 91"); each item is accepted on its own. */
  list?: boolean;
  /** Where the value goes; a function decides per match (labelled ids). */
  sink: Sink | ((label: string) => Sink);
  /** Normalises and validates the value; null rejects the match. */
  accept: (value: string, label: string, separated: boolean) => string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const hasDigit = (v: string) => /\d/.test(v);
const hasHexLetter = (v: string) => /[a-f]/i.test(v);
const trimTail = (v: string) => v.replace(/[._-]+$/, '');

function labelSink(label: string): Sink {
  const l = label.toLowerCase();
  if (l.startsWith('span')) return 'ignore';
  if (l.startsWith('trace')) return 'trace';
  if (l.startsWith('t') || l.startsWith('rrn')) return 'transaction';
  return 'request';
}

/** A labelled id value: must hold a digit; without `:`/`=`/`id` after the label it must also be 4+ characters and not a bare 3-digit number. */
function acceptLabelled(value: string, label: string, separated: boolean): string | null {
  const v = trimTail(value);
  if (v.length < 2 || !hasDigit(v)) return null;
  if (!separated && (v.length < 4 || /^\d{1,3}$/.test(v))) return null;
  if (/^[0-9a-f]+$/i.test(v) && labelSink(label) === 'trace') return v.toLowerCase();
  if (UUID.test(v)) return v.toLowerCase();
  return v;
}

const HTTP = (v: string) => {
  const n = Number(v);
  return n >= 100 && n <= 599 ? v : null;
};

/*
 * Every pattern is a fixed sequence of bounded pieces over mostly disjoint classes (no nested
 * quantifiers over overlapping classes), so each match attempt is bounded and the scan linear.
 * Group 1 is the label when present (for labelled rules), the last group the value.
 */
const RULES: Rule[] = [
  { re: /\b[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}\b/dgi, sink: 'trace', accept: (v) => v.toLowerCase() },
  {
    re: /\b(trace|span|request|req|correlation|corr|transaction|txn|trx|tx|rrn|x-request|x-correlation)((?:[ _-]?(?:ids?|parent|ref|reference|no\.?|num|number))?(?:\s*[:=#]\s*|\s+(?:is\s+|#)?))["'`]?([A-Za-z0-9][A-Za-z0-9_.-]{1,127})/dgi,
    sink: labelSink,
    accept: acceptLabelled,
  },
  { re: /\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/dgi, sink: 'request', accept: (v) => v.toLowerCase() },
  {
    re: /\b((?:TXN|TRX|TX)[-_]?[A-Z0-9]{2,32}(?:[-_][A-Z0-9]{1,32}){0,6})\b/dgi,
    sink: 'transaction',
    accept: (v) => (hasDigit(v) ? v : null),
  },
  { re: /\b(req[-_][A-Za-z0-9]{4,64})\b/dgi, sink: 'request', accept: (v) => (hasDigit(v) ? v : null) },
  { re: /\b([0-9a-f]{32}|[0-9a-f]{16})\b/dgi, sink: 'trace', accept: (v) => (hasDigit(v) && hasHexLetter(v) ? v.toLowerCase() : null) },
  {
    re: /\b(?:https?|status|status[ _-]?codes?|statuscode|http[ _-]?status|http[ _-]?codes?|response[ _-]?(?:status|codes?))\s*[:=]?\s*([1-5]\d{2}(?:\s*(?:\/|,|\bor\b|\band\b)\s*[1-5]\d{2}\b){1,8})/dgi,
    sink: 'http',
    list: true,
    accept: HTTP,
  },
  {
    re: /\b(?:https?|status|status[ _-]?code|statuscode|http[ _-]?status|http[ _-]?code|response[ _-]?(?:status|code))\s*[:=]?\s*([1-5]\d{2})\b/dgi,
    sink: 'http',
    accept: HTTP,
  },
  {
    re: /\b(?:returns?|returning|returned|got|getting|gets|throws?|throwing|threw|responds?|responding|responded|giving|gives|gave|shows?|showing|showed|hit|hits|hitting|seeing|saw|receiv(?:e|es|ed|ing))\s+(?:with\s+)?(?:an?\s+)?(?:http\s+)?([1-5]\d{2})(?:s\b|\b)/dgi,
    sink: 'http',
    accept: HTTP,
  },
  { re: /\berrors?\s*[:=]?\s*([1-5]\d{2})\b/dgi, sink: 'http', accept: HTTP },
  {
    // A status followed by words of what statuses mean (its reason phrase or what causes it).
    re: /\b([1-5]\d{2})(?:s\b|\s*(?:errors?|responses?|status(?:es)?|codes?|internal|bad|service|gateway|not\s+found|too\s+(?:many|large)|unauthori[sz]ed|forbidden|time-?outs?|timed\s+out|conflict|unavailable|rate[\s-]?limit\w*|throttl\w*|quota|payload|request\s+(?:timeout|too)|unprocessable|validation|method\s+not|not\s+implemented|upstream\s+(?:errors?|time-?outs?|failures?))\b|\s+(?:on|for|at|from)\s+(?=\/))/dgi,
    sink: 'http',
    accept: HTTP,
  },
  // Also inside camelCase alert names: "High5xxRate".
  { re: /(?:\b|(?<=[a-z]))([1-5])[xX]{2}(?:\b|(?=[A-Z]))/dg, sink: 'class', accept: (v) => `${v}xx` },
  { re: /\b(ORA-\d{5})\b/dgi, sink: 'code', accept: (v) => v.toUpperCase() },
  { re: /\b(ERR_[A-Z0-9_]{2,64})\b/dg, sink: 'code', accept: (v) => v },
  {
    re: /\b(E(?:CONNREFUSED|CONNRESET|CONNABORTED|TIMEDOUT|NOTFOUND|ADDRINUSE|PIPE|ACCES|HOSTUNREACH|NETUNREACH|MFILE|NOENT|AI_AGAIN|PROTO))\b/dg,
    sink: 'code',
    accept: (v) => v,
  },
  { re: /\bSQLSTATE\s*[:=]?\s*\[?([0-9A-Z]{5})\b/dgi, sink: 'code', accept: (v) => v.toUpperCase() },
  {
    re: /\b(?:error|err|response|resp|reason|return|result)[ _-]?codes?\s*[:=#]?\s*([A-Za-z0-9]{1,12}(?:\s*(?:\/|,|\bor\b|\band\b)\s*[A-Za-z0-9]{1,12}\b){1,8})/dgi,
    sink: 'code',
    list: true,
    accept: (v) => (hasDigit(v) ? v : null),
  },
  {
    re: /\b(?:error[ _-]?code|err[ _-]?code|errorcode|errcode|errno|error[ _-]?no|response[ _-]?code|resp[ _-]?code|reason[ _-]?code|return[ _-]?code|result[ _-]?code|rc)\s*[:=#]?\s*["'`]?([A-Za-z0-9][A-Za-z0-9_.-]{0,31})/dgi,
    sink: 'code',
    accept: (v) => {
      const t = trimTail(v);
      return hasDigit(t) ? t : null;
    },
  },
  // A bare "code" is also how people say "one-time code 123456": only short codes (ISO 8583 style "05", "51") count.
  { re: /\bcode\s*[:=#]?\s*["'`]?([A-Za-z0-9]{1,3})\b/dgi, sink: 'code', accept: (v) => (hasDigit(v) ? v : null) },
  { re: /\b(E\d{3,5})\b/dg, sink: 'code', accept: (v) => v },
  { re: /\b(?:error|Error|ERROR)\s*[:=]?\s*([A-Z][A-Z0-9]{1,9}[-_][A-Z0-9]{1,10})\b/dg, sink: 'code', accept: (v) => (hasDigit(v) ? v : null) },
];

export interface IdLimits {
  ids: number;
  codes: number;
}

/** Finds ids, statuses and codes in `text`, deduplicated in order of appearance and capped by `limits`. */
export function findIds(text: string, limits: IdLimits): IdFindings {
  const claimed = new Uint8Array(text.length);
  const found: Array<{ at: number; sink: Sink; value: string }> = [];
  const labelSpans: Array<[number, number]> = [];
  const valueSpans: Array<[number, number]> = [];
  const free = (a: number, b: number) => {
    for (let i = a; i < b; i++) if (claimed[i]) return false;
    return true;
  };

  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m !== null; m = rule.re.exec(text)) {
      const last = m.length - 1;
      const valueAt = m.indices?.[last];
      const value = m[last];
      if (!valueAt || value === undefined) continue;
      const start = m.index;
      const end = m.index + m[0].length;
      if (!free(start, end)) continue;
      const label = typeof rule.sink === 'function' ? (m[1] ?? '') : '';
      const sink = typeof rule.sink === 'function' ? rule.sink(label) : rule.sink;
      if (rule.list) {
        const items = value.split(/\s*(?:\/|,|\bor\b|\band\b)\s*/i).map((v) => rule.accept(v, label, true));
        if (items.length < 2 || items.some((v) => v === null)) continue;
        claimed.fill(1, start, end);
        labelSpans.push([start, valueAt[0]]);
        valueSpans.push([valueAt[0], valueAt[1]]);
        items.forEach((v, k) => found.push({ at: valueAt[0] + k / 100, sink, value: v ?? '' }));
        continue;
      }
      const separated = typeof rule.sink === 'function' ? /id|parent|ref|no|num|[:=#]/i.test(m[2] ?? '') : true;
      const accepted = rule.accept(value, label, separated);
      if (accepted === null) continue;
      const valueEnd = valueAt[0] + accepted.length;
      claimed.fill(1, start, Math.max(end, valueEnd));
      if (valueAt[0] > start) labelSpans.push([start, valueAt[0]]);
      valueSpans.push([valueAt[0], valueEnd]);
      if (valueEnd < end) labelSpans.push([valueEnd, end]);
      if (sink !== 'ignore') found.push({ at: valueAt[0], sink, value: accepted });
    }
  }

  found.sort((a, b) => a.at - b.at);
  const out: IdFindings = {
    trace_ids: [],
    request_ids: [],
    transaction_ids: [],
    http_status: [],
    http_status_classes: [],
    error_codes: [],
    labelSpans,
    valueSpans,
  };
  const push = <T>(list: T[], v: T, cap: number) => {
    if (list.length < cap && !list.includes(v)) list.push(v);
  };
  for (const f of found) {
    if (f.sink === 'trace') push(out.trace_ids, f.value, limits.ids);
    else if (f.sink === 'request') push(out.request_ids, f.value, limits.ids);
    else if (f.sink === 'transaction') push(out.transaction_ids, f.value, limits.ids);
    else if (f.sink === 'http') push(out.http_status, Number(f.value), limits.codes);
    else if (f.sink === 'class') push(out.http_status_classes, f.value, limits.codes);
    else if (f.sink === 'code') push(out.error_codes, f.value, limits.codes);
  }
  return out;
}
