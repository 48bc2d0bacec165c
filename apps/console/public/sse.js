// Server-Sent Events over fetch(): EventSource cannot send Authorization, and the API's keys are
// Bearer headers. Like EventSource, it sends Last-Event-ID when it reconnects, so a dropped
// connection resumes after the last event it handled; it stops on 204 (nothing left) or once
// `isFinal(event)` said the stream is done.

/** Splits an SSE byte stream into {id, event, data} frames; feed chunks, get complete frames. */
export function createSseParser() {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.replace(/\r\n?/g, '\n');
    const frames = [];
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame = {};
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        else if (field === 'id' || field === 'event') frame[field] = value;
      }
      if (frame.data !== undefined) frames.push(frame);
    }
    return frames;
  };
}

/**
 * Follows `url`. `onEvent(parsedData, frame)` for every event; `lastEventId` resumes after it.
 * Answers `{close()}`. Options: headers() (fresh per connection), onUnauthorized() (awaited, then
 * it reconnects), isFinal(data), retryMs.
 */
export function followEvents(url, { lastEventId, onEvent, headers = () => ({}), onUnauthorized, isFinal = () => false, retryMs = 1000, onState = () => {} }) {
  const controller = new AbortController();
  let last = lastEventId ?? null;
  let closed = false;
  const run = async () => {
    while (!closed) {
      let finished = false;
      try {
        const h = { Accept: 'text/event-stream', ...headers() };
        if (last !== null) h['Last-Event-ID'] = String(last);
        const response = await fetch(url, { headers: h, signal: controller.signal, cache: 'no-store' });
        if (response.status === 204) return onState('done');
        if (response.status === 401 && onUnauthorized) {
          await onUnauthorized();
          continue;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState('open');
        const parse = createSseParser();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const frame of parse(value)) {
            if (frame.id !== undefined) last = frame.id;
            let data;
            try {
              data = JSON.parse(frame.data);
            } catch {
              continue;
            }
            onEvent(data, frame);
            if (isFinal(data)) finished = true;
          }
          if (finished) break;
        }
        if (finished) {
          await reader.cancel().catch(() => {});
          return onState('done');
        }
      } catch (error) {
        if (closed || error?.name === 'AbortError') return;
      }
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  run();
  return {
    close() {
      closed = true;
      controller.abort();
    },
  };
}
