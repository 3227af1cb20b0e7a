// `fetch` over XMLHttpRequest, for the one thing fetch cannot do: tell how
// much of a request body has been sent (a large CSV import's progress
// bar). Same contract as fetch: resolves with a Response for any HTTP
// status, rejects with a TypeError when no answer came, and with an
// AbortError when the signal aborts.

/** Bytes of the body sent so far, and in all (0 when unknown). */
export type UploadProgress = (sent: number, total: number) => void;

function headersOf(raw: string): Headers {
  const h = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const i = line.indexOf(':');
    if (i > 0) h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return h;
}

export function xhrFetch(onProgress?: UploadProgress, make: () => XMLHttpRequest = () => new XMLHttpRequest()): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const xhr = make();
      xhr.open(init.method ?? 'GET', String(input));
      for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) xhr.setRequestHeader(k, v);
      if (onProgress) {
        xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
      }
      xhr.onload = () => {
        const empty = xhr.status === 204 || xhr.status === 205 || xhr.status === 304;
        resolve(new Response(empty ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers: headersOf(xhr.getAllResponseHeaders()) }));
      };
      xhr.onerror = () => reject(new TypeError('The request got no answer.'));
      xhr.ontimeout = xhr.onerror;
      xhr.onabort = () => reject(new DOMException('The request was aborted.', 'AbortError'));
      if (init.signal) {
        if (init.signal.aborted) {
          reject(new DOMException('The request was aborted.', 'AbortError'));
          return;
        }
        init.signal.addEventListener('abort', () => xhr.abort(), { once: true });
      }
      xhr.send((init.body ?? null) as XMLHttpRequestBodyInit | null);
    });
}
