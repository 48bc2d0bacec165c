// The console: hash-routed screens over the public API only. Every log-derived string is set as
// text (dom.js), never parsed as HTML.
import { api, askForKey, authHeaders } from './api.js';
import { sparkline, timelineChart } from './charts.js';
import { append, fmtPct, fmtTime, h } from './dom.js';
import { followEvents } from './sse.js';

const main = () => document.getElementById('main');
let cleanup = [];
const onLeave = (fn) => cleanup.push(fn);

const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const FINAL = new Set(['completed', 'failed']);
const isFinal = (event) => FINAL.has(event?.step);

/** replaceChildren that skips null and false (the DOM's own would write "null"). */
function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

function page(title, ...children) {
  document.title = `${title} · loglore`;
  return replace(main(), h('h1', {}, title), ...children);
}

/** Each cell carries its column's name, shown beside it when the phone layout stacks the rows. */
function labelCells(table) {
  const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent.replace(/[▲▼]/g, '').trim());
  for (const row of table.querySelectorAll('tbody tr')) [...row.children].forEach((td, i) => td.setAttribute('data-label', names[i] ?? ''));
}

function notice(text, kind = 'info') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 8)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', {}, hint) : null);
}

// ---------------------------------------------------------------- chat

async function chatHome() {
  const project = h('input', { name: 'project', autocomplete: 'off' });
  const openId = h('input', { name: 'conversation', autocomplete: 'off', placeholder: 'conversation id' });
  const start = h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'new-title',
      onsubmit: async (event) => {
        event.preventDefault();
        const { status, body } = await api('/api/conversations', { method: 'POST', body: project.value.trim() ? { project: project.value.trim() } : {} });
        if (status !== 201) return start.append(notice(body?.error?.message ?? 'could not start a conversation', 'error'));
        location.hash = `#/chat/${body.conversation_id}`;
      },
    },
    h('h2', { id: 'new-title' }, 'New conversation'),
    field('Project (optional)', project),
    h('button', { type: 'submit' }, 'Start conversation'),
  );
  const open = h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'open-title',
      onsubmit: (event) => {
        event.preventDefault();
        if (openId.value.trim()) location.hash = `#/chat/${encodeURIComponent(openId.value.trim())}`;
      },
    },
    h('h2', { id: 'open-title' }, 'Open a conversation'),
    field('Conversation id', openId),
    h('button', { type: 'submit' }, 'Open'),
  );
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const out = h('div', { role: 'status' });
  page(
    'Chat',
    h('div', { class: 'grid2' }, start, open),
    h(
      'section',
      { 'aria-labelledby': 'recent-title' },
      h('h2', { id: 'recent-title' }, 'Conversations'),
      out,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'list conversations' },
          h('thead', {}, h('tr', {}, ['Started', 'First question', 'Project', 'Turns', 'Last turn'].map((c) => h('th', { scope: 'col' }, c)))),
          tbody,
        ),
      ),
      more,
    ),
  );
  let cursor = null;
  const load = async () => {
    const q = new URLSearchParams({ limit: '20' });
    if (cursor) q.set('cursor', cursor);
    const { status, body } = await api(`/api/conversations?${q}`);
    if (status !== 200) return out.replaceChildren(notice('Could not list conversations.', 'error'));
    for (const c of body.conversations) {
      tbody.append(
        h(
          'tr',
          { 'data-conversation': c.conversation_id },
          h('td', {}, fmtTime(c.created_at)),
          h('td', {}, h('a', { href: `#/chat/${c.conversation_id}` }, c.first_question ?? 'No question yet')),
          h('td', {}, c.project ?? '—'),
          h('td', {}, String(c.turns)),
          h('td', {}, c.last_message_at ? fmtTime(c.last_message_at) : '—'),
        ),
      );
    }
    labelCells(tbody.closest('table'));
    if (!tbody.children.length) out.replaceChildren(h('p', { class: 'muted' }, 'None yet.'));
    cursor = body.next_cursor ?? null;
    more.hidden = !cursor;
  };
  more.addEventListener('click', load);
  await load();
}

const STEP_LABELS = {
  params: 'Parameters',
  similar: 'Similar issues',
  known_pattern: 'Known pattern',
  analysis: 'Analysis',
  verification: 'Verification',
  completed: 'Completed',
  failed: 'Failed',
};

function stepSummary(event) {
  const p = event.payload ?? {};
  switch (event.step) {
    case 'params': {
      const q = p.parameters ?? {};
      const range = q.time_range ? `${fmtTime(q.time_range.from)} → ${fmtTime(q.time_range.to)}` : 'no window';
      return `project ${q.project ?? '—'}, env ${q.env ?? '—'}, domain ${q.domain ?? '—'}, ${range}`;
    }
    case 'similar':
      return `${p.count ?? 0} similar past analyses${p.most_recent ? `, most recent ${fmtTime(p.most_recent)}` : ''}`;
    case 'known_pattern':
      return `${p.pattern ?? p.pattern_key}: success rate ${fmtPct(p.success_rate)} over ${p.usage_count ?? 0} uses`;
    case 'analysis':
      return `${p.cached ? '(cached) ' : ''}${p.error_pattern ?? 'no error pattern'}: ${p.evidence?.error_event_count ?? 0} error-like of ${p.evidence?.event_count ?? 0} events, ${plural(p.evidence?.templates ?? 0, 'template')}${p.scope?.widened ? '; evidence widened beyond the hints' : ''}`;
    case 'verification':
      return `${(p.trace_ids ?? []).length} trace ids verified, confidence ${fmtPct(p.confidence)}, ${p.checked ?? 0} checks, ${(p.unsupported ?? []).length} unsupported`;
    case 'completed':
      return 'answer ready';
    case 'failed':
      return `failed in ${p.step ?? '?'}: ${p.reason ?? ''}`;
    default:
      return '';
  }
}

function answerBlock(result, requestId) {
  return h(
    'div',
    { class: 'answer', 'data-testid': 'answer' },
    h('p', { class: 'summary' }, result.summary ?? ''),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Pattern'),
      h('dd', {}, result.pattern_key ? h('a', { href: `#/patterns/${encodeURIComponent(result.pattern_key)}` }, result.error_pattern ?? result.pattern_key) : result.error_pattern ?? 'none named'),
      h('dt', {}, 'Confidence'),
      h('dd', {}, fmtPct(result.confidence_score)),
      h('dt', {}, 'Trace ids'),
      h('dd', {}, (result.trace_ids ?? []).length ? h('ul', { class: 'traces' }, result.trace_ids.map((t) => h('li', {}, h('code', {}, t)))) : 'none'),
      result.resolution ? [h('dt', {}, 'Resolution'), h('dd', {}, result.resolution)] : null,
    ),
    h('a', { href: `#/analyses/${requestId}`, class: 'button' }, 'Open the evidence'),
  );
}

/** One question and its analysis: steps as they arrive (each seq once), then the answer. */
function turnView(question, requestId) {
  const steps = h('ol', { class: 'steps', 'aria-live': 'polite', 'aria-label': 'Analysis steps', 'data-request': requestId });
  const answer = h('div');
  const state = h('p', { class: 'muted state', role: 'status' });
  const seen = new Set();
  const article = h('article', { class: 'turn' }, h('h2', { class: 'question' }, question), steps, state, answer);
  let stream = null;
  const add = (event) => {
    if (event.request_id !== requestId || seen.has(event.seq)) return;
    seen.add(event.seq);
    steps.append(
      h(
        'li',
        { class: `step step-${event.step}`, 'data-step': event.step, 'data-seq': event.seq },
        h('span', { class: 'step-name' }, STEP_LABELS[event.step] ?? event.step),
        ' ',
        h('span', { class: 'step-text' }, stepSummary(event)),
      ),
    );
    if (event.step === 'completed' && event.payload?.result) answer.replaceChildren(answerBlock(event.payload.result, requestId));
    if (event.step === 'failed') answer.replaceChildren(notice(stepSummary(event), 'error'));
  };
  const lastSeq = () => (seen.size ? Math.max(...seen) : null);
  return {
    article,
    add,
    async load() {
      const { status, body } = await api(`/api/analyses/${requestId}`);
      if (status !== 200) return state.replaceChildren('analysis not found');
      for (const event of body.steps ?? []) add(event);
      if (!FINAL.has(body.status)) this.follow();
    },
    follow() {
      stream = followEvents(`/api/analyses/${requestId}/events`, {
        lastEventId: lastSeq(),
        headers: authHeaders,
        onUnauthorized: () => askForKey('The event stream needs an API key (401).'),
        onEvent: add,
        isFinal,
        onState: (s) => {
          state.textContent = s === 'open' ? 'following live…' : s === 'reconnecting' ? 'connection lost, resuming…' : '';
        },
      });
      onLeave(() => stream?.close());
    },
  };
}

async function chatThread(id) {
  const thread = h('div', { class: 'thread' });
  const question = h('textarea', { name: 'content', rows: 2, required: true, placeholder: 'e.g. NPSB transfers failing in prod since 10:00?' });
  const env = h('input', { name: 'env', autocomplete: 'off' });
  const occurredAt = h('input', { name: 'occurred_at', autocomplete: 'off', placeholder: '2026-11-25T10:30:00Z' });
  const errors = h('div');
  const form = h(
    'form',
    {
      class: 'ask',
      onsubmit: async (event) => {
        event.preventDefault();
        const content = question.value.trim();
        if (!content) return;
        const body = { content };
        if (env.value.trim()) body.env = env.value.trim();
        if (occurredAt.value.trim()) body.occurred_at = occurredAt.value.trim();
        const sent = await api(`/api/conversations/${id}/messages`, { method: 'POST', body }).catch((e) => ({ status: e.status, body: { error: { message: e.message } } }));
        if (sent.status !== 202) return errors.replaceChildren(notice(sent.body?.error?.message ?? 'could not ask', 'error'));
        errors.replaceChildren();
        question.value = '';
        const turn = turnView(content, sent.body.request_id);
        thread.append(turn.article);
        turn.follow();
      },
    },
    field('Question', question),
    h('details', {}, h('summary', {}, 'Options'), h('div', { class: 'grid2' }, field('Env (optional)', env), field('As of (ISO instant; relative times resolve against it)', occurredAt))),
    h('button', { type: 'submit' }, 'Ask'),
    errors,
  );
  page('Conversation', h('p', { class: 'muted' }, h('code', {}, id), ' · ', h('a', { href: '#/chat' }, 'all conversations')), thread, form);
  const { status, body } = await api(`/api/conversations/${id}`);
  if (status !== 200) return replace(thread, notice(status === 404 ? 'No such conversation (or not visible to this key).' : 'Could not load the conversation.', 'error'));
  // Restored from the record: each user turn's analysis from GET /api/analyses/{id} (its stored
  // steps), then, while it runs, its event stream after the last stored seq.
  for (const message of body.messages) {
    if (message.role !== 'user' || !message.request_id) continue;
    const turn = turnView(message.content, message.request_id);
    thread.append(turn.article);
    await turn.load();
  }
  question.focus();
}

// ---------------------------------------------------------------- analysis

async function analysisView(id) {
  const root = page('Analysis', h('p', { class: 'muted' }, 'loading…'));
  const { status, body } = await api(`/api/analyses/${id}`);
  if (status !== 200) return replace(root, h('h1', {}, 'Analysis'), notice('No such analysis (or not visible to this key).', 'error'));
  const r = body.result ?? {};
  const verification = (body.steps ?? []).find((e) => e.step === 'verification')?.payload;
  const analysisStep = (body.steps ?? []).find((e) => e.step === 'analysis')?.payload;
  const scope = r.scope ?? analysisStep?.scope;
  // The evidence's templates when the result carries them, else the template findings.
  const templates = r.evidence?.templates ?? (r.findings ?? []).filter((f) => typeof f.template === 'string' && typeof f.count === 'number');
  const chart = h('div', { class: 'chart-slot' }, h('p', { class: 'muted' }, 'loading the timeline…'));
  const feedbackOut = h('div', { role: 'status', 'aria-live': 'polite' });
  const resolution = h('textarea', { name: 'resolution', rows: 2, placeholder: 'what fixed it (optional)' });
  const vote = async (outcome) => {
    const payload = { outcome };
    if (resolution.value.trim()) payload.resolution = resolution.value.trim();
    const answer = await api(`/api/analyses/${id}/feedback`, { method: 'POST', body: payload }).catch((e) => ({ status: e.status, body: { error: { message: e.message } } }));
    if (answer.status !== 200) return feedbackOut.replaceChildren(notice(answer.body?.error?.message ?? 'feedback failed', 'error'));
    const p = answer.body.pattern;
    feedbackOut.replaceChildren(
      notice(
        p
          ? `Recorded (${outcome.replace('_', ' ')}). ${p.pattern_key}: success rate now ${fmtPct(p.success_rate)} (${p.success_count} resolved, ${p.failure_count} not, ${p.usage_count} uses).`
          : `Recorded (${outcome.replace('_', ' ')}); the analysis named no pattern.`,
      ),
    );
  };
  replace(root, 
    h('h1', {}, 'Analysis'),
    h('p', { class: 'query' }, r.query_text ?? ''),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, `${body.status} · ${body.source}`),
      h('dt', {}, 'Pattern'),
      h('dd', {}, r.pattern_key ? h('a', { href: `#/patterns/${encodeURIComponent(r.pattern_key)}` }, r.error_pattern ?? r.pattern_key) : 'none named'),
      h('dt', {}, 'Confidence'),
      h('dd', {}, fmtPct(r.confidence_score)),
      body.conversation_id ? [h('dt', {}, 'Conversation'), h('dd', {}, h('a', { href: `#/chat/${body.conversation_id}` }, 'open the thread'))] : null,
    ),
    r.summary ? h('p', { class: 'summary' }, r.summary) : null,
    body.error ? notice(`Failed: ${typeof body.error === 'string' ? body.error : JSON.stringify(body.error)}`, 'error') : null,
    h('section', { 'aria-labelledby': 'tl' }, h('h2', { id: 'tl' }, 'Errors over the window'), chart),
    h(
      'section',
      { 'aria-labelledby': 'tpl' },
      h('h2', { id: 'tpl' }, 'Top error templates'),
      templates.length
        ? h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              {},
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Template'), h('th', { scope: 'col', class: 'num' }, 'Count'), h('th', { scope: 'col', class: 'num' }, 'Baseline'), h('th', { scope: 'col' }, 'Flags'))),
              h(
                'tbody',
                {},
                templates.map((t) =>
                  h('tr', {}, h('td', {}, h('code', {}, t.template)), h('td', { class: 'num' }, t.count), h('td', { class: 'num' }, t.baseline_count), h('td', {}, [t.new || t.kind === 'new_error' ? 'new' : '', t.spiking || t.kind === 'spike' ? 'spiking' : ''].filter(Boolean).join(', ') || '—')),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No error templates in the window.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'tr' },
      h('h2', { id: 'tr' }, 'Cited trace ids'),
      (r.trace_ids ?? []).length ? h('ul', { class: 'traces', 'data-testid': 'trace-ids' }, r.trace_ids.map((t) => h('li', {}, h('code', {}, t)))) : h('p', { class: 'muted' }, 'None.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'sc' },
      h('h2', { id: 'sc' }, 'Scope searched'),
      scope
        ? h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Project / env'),
            h('dd', {}, `${scope.searched?.project ?? '—'} / ${scope.searched?.env ?? 'any'}`),
            h('dt', {}, 'Window'),
            h('dd', {}, scope.searched?.time_range ? `${fmtTime(scope.searched.time_range.from)} → ${fmtTime(scope.searched.time_range.to)}` : '—'),
            h('dt', {}, 'Focus'),
            h('dd', {}, `${scope.focus ?? '—'}${scope.widened ? ' (widened beyond the hints)' : ''}`),
            scope.reason ? [h('dt', {}, 'Why'), h('dd', {}, scope.reason)] : null,
          )
        : h('p', { class: 'muted' }, 'Not recorded.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'si' },
      h('h2', { id: 'si' }, 'Similar past analyses'),
      (r.similar ?? []).length
        ? h('ul', { class: 'plain' }, r.similar.map((s) => h('li', {}, h('a', { href: `#/analyses/${s.request_id}` }, s.query_text), ' — ', s.error_pattern ?? 'no pattern', ', ', h('strong', {}, s.outcome ? s.outcome.replace('_', ' ') : 'no feedback'), ' ', h('small', { class: 'muted' }, fmtTime(s.occurred_at ?? s.created_at)))))
        : h('p', { class: 'muted' }, 'None.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 've' },
      h('h2', { id: 've' }, 'Verification'),
      verification
        ? h(
            'div',
            {},
            h('p', {}, `${verification.checked ?? 0} cited values checked; ${(verification.unsupported ?? []).length} unsupported and dropped.`),
            (verification.unsupported ?? []).length ? h('ul', { class: 'plain' }, verification.unsupported.map((u) => h('li', {}, `${u.kind} ${u.ref} (${u.where})${u.reason ? `: ${u.reason}` : ''}`))) : null,
            (verification.findings ?? []).length ? h('ul', { class: 'plain' }, verification.findings.map((f) => h('li', {}, typeof f === 'string' ? f : f.title ?? f.text ?? JSON.stringify(f)))) : null,
          )
        : h('p', { class: 'muted' }, 'No verification step recorded.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'fb', class: 'card' },
      h('h2', { id: 'fb' }, 'Did the resolution work?'),
      field('Resolution (optional)', resolution),
      h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => vote('resolved') }, 'Resolved'), h('button', { type: 'button', class: 'secondary', onclick: () => vote('not_resolved') }, 'Not resolved')),
      feedbackOut,
    ),
  );
  const histogram = await api(`/api/analyses/${id}/histogram`).catch(() => ({ status: 500 }));
  if (histogram.status === 200) {
    // Drawn at the slot's width (labels keep their size on a phone), again when that changes.
    let drawnWidth = 0;
    const draw = () => {
      const width = Math.max(280, Math.round(chart.clientWidth || 720));
      if (Math.abs(width - drawnWidth) < 16) return;
      drawnWidth = width;
      chart.replaceChildren(timelineChart(histogram.body, width));
    };
    draw();
    const resized = new ResizeObserver(draw);
    resized.observe(chart);
    onLeave(() => resized.disconnect());
  }
  else chart.replaceChildren(h('p', { class: 'muted' }, 'Could not load the timeline.'));
}

// ---------------------------------------------------------------- analyses list

function alertCell(alert) {
  if (!alert) return '—';
  const labels = Object.entries(alert.labels ?? {}).map(([k, v]) => h('span', { class: 'label' }, `${k}=${v}`));
  return h('div', {}, h('span', { class: `badge ${alert.status}` }, alert.status === 'resolved' ? `resolved ${fmtTime(alert.resolved_at)}` : 'firing'), ' ', labels);
}

async function analysesList(params) {
  const filters = { project: '', status: '', source: '', pattern: '', ...Object.fromEntries(params) };
  const input = (name) => h('input', { name, value: filters[name], autocomplete: 'off' });
  const select = (name, options) => h('select', { name }, options.map((o) => h('option', { value: o, selected: o === filters[name] }, o || 'any')));
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event) => {
        event.preventDefault();
        const q = new URLSearchParams();
        for (const [k, v] of new FormData(form)) if (String(v).trim()) q.set(k, String(v).trim());
        location.hash = `#/analyses${q.size ? `?${q}` : ''}`;
      },
    },
    field('Project', input('project')),
    field('Status', select('status', ['', 'queued', 'running', 'completed', 'failed'])),
    field('Source', select('source', ['', 'chat', 'api', 'alertmanager', 'grafana', 'backfill'])),
    field('Pattern', input('pattern')),
    h('button', { type: 'submit' }, 'Filter'),
  );
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const out = h('div', { role: 'status' });
  page(
    'Analyses',
    form,
    out,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'list' },
        h('thead', {}, h('tr', {}, ['When', 'Question', 'Source', 'Status', 'Project', 'Pattern', 'Outcome', 'Alert'].map((c) => h('th', { scope: 'col' }, c)))),
        tbody,
      ),
    ),
    more,
  );
  let cursor = null;
  const load = async () => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    q.set('limit', '25');
    if (cursor) q.set('cursor', cursor);
    const { status, body } = await api(`/api/analyses?${q}`);
    if (status !== 200) return out.replaceChildren(notice('Could not list analyses.', 'error'));
    for (const a of body.analyses) {
      tbody.append(
        h(
          'tr',
          {},
          h('td', {}, fmtTime(a.created_at)),
          h('td', {}, h('a', { href: `#/analyses/${a.request_id}` }, a.query_text || a.request_id)),
          h('td', {}, a.source),
          h('td', {}, h('span', { class: `badge ${a.status}` }, a.status)),
          h('td', {}, a.project ?? '—'),
          h('td', {}, a.pattern_key ? h('a', { href: `#/patterns/${encodeURIComponent(a.pattern_key)}` }, a.error_pattern ?? a.pattern_key) : '—'),
          h('td', {}, a.outcome ? a.outcome.replace('_', ' ') : '—'),
          h('td', {}, alertCell(a.alert)),
        ),
      );
    }
    labelCells(tbody.closest('table'));
    if (!tbody.children.length) out.replaceChildren(h('p', { class: 'muted' }, 'No analyses match.'));
    cursor = body.analyses.length < 25 ? null : body.next_cursor ?? null;
    more.hidden = !cursor;
  };
  more.addEventListener('click', load);
  await load();
}

// ---------------------------------------------------------------- patterns

async function patternsList(params) {
  const state = { sort: params.get('sort') ?? 'usage_count', dir: params.get('dir') ?? 'desc', filter: params.get('q') ?? '' };
  const { status, body } = await api('/api/patterns?limit=200');
  if (status !== 200) return page('Patterns', notice('Could not load the patterns.', 'error'));
  const patterns = body.patterns;
  const filter = h('input', { name: 'q', type: 'search', value: state.filter, autocomplete: 'off' });
  const tbody = h('tbody');
  const columns = [
    ['pattern_key', 'Pattern'],
    ['domain', 'Domain'],
    ['usage_count', 'Usage'],
    ['success_rate', 'Success rate'],
    ['first_seen', 'First seen'],
    ['last_seen', 'Last seen'],
  ];
  const headRow = h('tr');
  const render = () => {
    headRow.replaceChildren(
      ...columns.map(([key, label]) =>
        h(
          'th',
          { scope: 'col', 'aria-sort': state.sort === key ? (state.dir === 'asc' ? 'ascending' : 'descending') : 'none' },
          h('button', { type: 'button', class: 'sort', onclick: () => ((state.dir = state.sort === key && state.dir === 'desc' ? 'asc' : 'desc'), (state.sort = key), render()) }, label, state.sort === key ? (state.dir === 'asc' ? ' ▲' : ' ▼') : ''),
        ),
      ),
      h('th', { scope: 'col' }, 'Last 30 days'),
    );
    const needle = filter.value.trim().toLowerCase();
    const rows = patterns
      .filter((p) => !needle || [p.pattern_key, p.title, p.domain, p.error_type, p.template].some((v) => v && String(v).toLowerCase().includes(needle)))
      .sort((a, b) => {
        const x = a[state.sort] ?? '';
        const y = b[state.sort] ?? '';
        const c = x < y ? -1 : x > y ? 1 : 0;
        return state.dir === 'asc' ? c : -c;
      });
    tbody.replaceChildren(
      ...rows.map((p) =>
        h(
          'tr',
          { 'data-pattern': p.pattern_key },
          h('td', {}, h('a', { href: `#/patterns/${encodeURIComponent(p.pattern_key)}` }, p.pattern_key), p.title ? h('div', { class: 'muted small' }, p.title) : null),
          h('td', {}, p.domain ?? '—'),
          h('td', { class: 'num' }, p.usage_count),
          h('td', { class: 'num rate' }, p.success_count + p.failure_count ? [fmtPct(p.success_rate), h('div', { class: 'muted small' }, `${p.success_count}/${p.success_count + p.failure_count} votes`)] : h('span', { class: 'muted' }, 'no votes')),
          h('td', {}, fmtTime(p.first_seen)),
          h('td', {}, fmtTime(p.last_seen)),
          h('td', {}, sparkline(p.daily)),
        ),
      ),
    );
    labelCells(table);
  };
  const table = h('table', { class: 'list' }, h('thead', {}, headRow), tbody);
  filter.addEventListener('input', render);
  page('Patterns', h('div', { class: 'filters' }, field('Filter', filter)), h('div', { class: 'scroll' }, table));
  render();
}

async function patternView(key) {
  const root = page(key, h('p', { class: 'muted' }, 'loading…'));
  const { status, body } = await api(`/api/patterns/${encodeURIComponent(key)}`);
  if (status !== 200) return replace(root, h('h1', {}, key), notice('This pattern is not known to this server (or not visible to this key).', 'error'), h('a', { href: `#/analyses?pattern=${encodeURIComponent(key)}` }, 'Its analyses'));
  const p = body.pattern;
  replace(root, 
    h('h1', {}, p.title ?? p.pattern_key),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Key'),
      h('dd', {}, h('code', {}, p.pattern_key)),
      h('dt', {}, 'Success rate'),
      h('dd', {}, `${fmtPct(p.success_rate)} (${p.success_count} resolved, ${p.failure_count} not)`),
      h('dt', {}, 'Usage'),
      h('dd', {}, String(p.usage_count)),
      h('dt', {}, 'Seen'),
      h('dd', {}, `${fmtTime(p.first_seen)} → ${fmtTime(p.last_seen)}`),
      p.template ? [h('dt', {}, 'Template'), h('dd', {}, h('code', {}, p.template))] : null,
    ),
    h('section', { 'aria-labelledby': 'oc' }, h('h2', { id: 'oc' }, 'Occurrences per day'), sparkline(body.daily ?? [], 'occurrences per day', 'large')),
    (p.typical_causes ?? []).length ? h('section', {}, h('h2', {}, 'Typical causes'), h('ul', {}, p.typical_causes.map((c) => h('li', {}, c)))) : null,
    h(
      'section',
      { 'aria-labelledby': 're' },
      h('h2', { id: 're' }, 'Resolutions'),
      (body.resolutions ?? []).length
        ? h('ul', { class: 'plain' }, body.resolutions.map((r) => h('li', {}, r.resolution, ' — ', `${r.resolved} resolved, ${r.not_resolved} not`, ' ', h('small', { class: 'muted' }, fmtTime(r.last_at)))))
        : h('p', { class: 'muted' }, 'No resolution reported yet.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'an' },
      h('h2', { id: 'an' }, 'Analyses'),
      (body.analyses ?? []).length
        ? h('ul', { class: 'plain' }, body.analyses.map((a) => h('li', {}, h('a', { href: `#/analyses/${a.request_id}` }, a.query_text || a.request_id), ' ', h('small', { class: 'muted' }, `${a.source} · ${fmtTime(a.created_at)} · ${a.outcome ?? 'no feedback'}`))))
        : h('p', { class: 'muted' }, 'None.'),
    ),
  );
}

// ---------------------------------------------------------------- router

async function route() {
  for (const fn of cleanup.splice(0)) fn();
  const hash = location.hash.replace(/^#/, '') || '/chat';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#/${parts[0]}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (parts[0] === 'chat' && parts[1]) await chatThread(parts[1]);
    else if (parts[0] === 'analyses' && parts[1]) await analysisView(parts[1]);
    else if (parts[0] === 'analyses') await analysesList(params);
    else if (parts[0] === 'patterns' && parts[1]) await patternView(parts[1]);
    else if (parts[0] === 'patterns') await patternsList(params);
    else await chatHome();
  } catch (error) {
    append(main(), [notice(`Something went wrong: ${error.message}`, 'error')]);
  }
}

window.addEventListener('hashchange', () => {
  route();
  main().focus({ preventScroll: true });
});
route();
