/** How a Codex server process (`codex app-server`, or the legacy `codex mcp-server`) ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines it wrote to stderr, without colours: usually the reason it died. */
  stderrTail: string;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: Error;
}

/** Base class of every error this module throws, so callers can tell Codex trouble apart. */
export class CodexError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Names the process in messages when the caller does not say which server it runs. */
const APP_SERVER = 'codex app-server';

/** The server process is gone (or never started); whatever was waiting on it fails with this. */
export class AppServerExitedError extends CodexError {
  constructor(
    readonly exit: ExitInfo,
    during: string,
    server = APP_SERVER,
  ) {
    super(`${server} ${describeExit(exit)} ${during}${exit.stderrTail ? `: ${lastLine(exit.stderrTail)}` : ''}`, { cause: exit.spawnError });
  }
}

/** A request got no answer in time; the process may be hung. */
export class RequestTimeoutError extends CodexError {
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
    server = APP_SERVER,
  ) {
    super(`${server} did not answer ${method} within ${timeoutMs} ms`);
  }
}

/** The server answered a request with a JSON-RPC error object. */
export class JsonRpcError extends CodexError {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    readonly data?: unknown,
    server = APP_SERVER,
  ) {
    super(`${server} rejected ${method} (${code}): ${rpcMessage}`);
  }
}

/** The server answered with something this client does not understand. */
export class ProtocolError extends CodexError {}

/** Thrown by a server-request handler for a method this client does not implement (JSON-RPC -32601). */
export class UnsupportedServerRequestError extends CodexError {
  constructor(readonly method: string) {
    super(`${method} is not supported by this client`);
  }
}

/** The server could not be started or did not complete the `initialize` handshake. */
export class CodexStartError extends CodexError {}

/** `runTurn` on a thread that already has a turn running in this driver. */
export class ThreadBusyError extends CodexError {
  constructor(readonly threadId: string) {
    super(`thread ${threadId} already has a turn running`);
  }
}

/** The driver was closed; it starts no process and runs no turn any more. */
export class DriverClosedError extends CodexError {
  constructor() {
    super('the Codex driver is closed');
  }
}

function describeExit(exit: ExitInfo): string {
  if (exit.spawnError) return `could not be started (${exit.spawnError.message})`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

/** Codex prints `Error: …` and then a backtrace when it dies: the error line is the useful one. */
function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.findLast((line) => line.startsWith('Error:')) ?? lines[lines.length - 1] ?? '';
}
