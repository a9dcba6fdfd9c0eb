import { GrammyError, HttpError } from 'grammy';

/** The longest code a `chat_error` frame carries. */
const MAX_CODE = 64;

/**
 * A failed platform call as a short code for `chat_error`: Telegram's HTTP-like `error_code`
 * (`429`, `403`), Slack's `error` (`channel_not_found`, `ratelimited`) or its client's `code`,
 * `network` when the API was not reached. Never the message: it may quote a user's text.
 */
export function chatErrorCode(error: unknown): string {
  if (error instanceof GrammyError) return String(error.error_code);
  if (error instanceof HttpError) return 'network';
  const slack = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  if (typeof slack === 'string') return clean(slack);
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' || typeof code === 'number' ? clean(String(code)) : 'error';
}

function clean(code: string): string {
  return code.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, MAX_CODE) || 'error';
}

/**
 * `target` with every rejected promise of its methods reported (and passed on as it was): an
 * adapter's output, whose every method is a call to the platform. Calls the target makes on
 * itself (a `deliver` that sends each part) go to the target, so each failure counts once.
 */
export function reportingFailures<T extends object>(target: T, report: (error: unknown) => void): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = (value as (...callArgs: unknown[]) => unknown).apply(object, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          report(error);
          throw error;
        });
      };
    },
  });
}
