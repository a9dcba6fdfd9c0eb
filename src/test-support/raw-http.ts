import { connect } from 'node:net';

/** What a raw request got back: the status, the headers (lower-case names) and as much body as came. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one HTTP/1.1 request exactly as written (no URL normalization, unlike fetch) and reads
 * the answer until the server closes. A response that streams (SSE) is cut once its headers and
 * first bytes have arrived, after `settleMs`; one that never answers gives status 0 after 5 s.
 */
export function rawRequest(port: number, head: string, body = '', settleMs = 200): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      clearTimeout(deadline);
      socket.destroy();
      const [headText = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = headText.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status, headers, body: rest.join('\r\n\r\n') });
    };
    // A server that never answers is an answer too (status 0), not a hung test.
    const deadline = setTimeout(finish, 5000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // A stream never ends by itself: its headers are all this needs.
      if (timer === undefined && text.includes('\r\n\r\n')) timer = setTimeout(finish, settleMs);
    });
    socket.on('end', finish);
    socket.on('error', reject);
    const length = Buffer.byteLength(body);
    socket.write(`${head}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${length > 0 ? `Content-Type: application/json\r\nContent-Length: ${length}\r\n` : ''}\r\n${body}`);
  });
}
