// The public API, with the tab's API key. A 401 asks for a key (the dialog in index.html) and retries.

const KEY = 'loglore.apiKey';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function authHeaders() {
  const key = sessionStorage.getItem(KEY);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

let asking = null;
/** Shows the key dialog once however many calls wait for it; resolves when a key was entered. */
export function askForKey(reason) {
  asking ??= new Promise((resolve) => {
    const dialog = document.getElementById('key-dialog');
    const input = document.getElementById('key-input');
    document.getElementById('key-reason').textContent = reason;
    input.value = '';
    const done = () => {
      const value = input.value.trim();
      if (!value) return dialog.showModal();
      sessionStorage.setItem(KEY, value);
      dialog.removeEventListener('close', done);
      asking = null;
      resolve();
    };
    dialog.addEventListener('close', done);
    dialog.showModal();
    input.focus();
  });
  return asking;
}

function reasonFor(body) {
  const had = sessionStorage.getItem(KEY) !== null;
  return had ? 'The API did not accept this key (401). Enter another one; it is kept for this tab only.' : `The API needs a key (401${body?.error?.message ? `: ${body.error.message}` : ''}). It is kept for this tab only.`;
}

/** JSON call; answers `{status, body}` for 2xx and 404, throws ApiError otherwise. */
export async function api(path, { method = 'GET', body } = {}) {
  for (;;) {
    const headers = { Accept: 'application/json', ...authHeaders() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (response.status === 401) {
      await askForKey(reasonFor(json));
      continue;
    }
    if (response.ok || response.status === 404) return { status: response.status, body: json };
    throw new ApiError(response.status, json?.error?.code ?? 'error', json?.error?.message ?? `HTTP ${response.status}`);
  }
}
