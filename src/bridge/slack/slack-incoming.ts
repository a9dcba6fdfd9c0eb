import type { App } from '@slack/bolt';
import type { IncomingFile } from '../../chat/index.js';
import type { Logger } from '../../log/index.js';

/** The fields of a file on a Slack message the bridge reads. */
export interface SlackFileObject {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  /** `slack_audio` for a recorded audio clip. */
  subtype?: string;
  size?: number;
  /** Absent for a file deleted (`mode: tombstone`) or hidden by the workspace's plan. */
  url_private_download?: string;
}

/**
 * A message's files in the engine's terms, each downloaded only when asked (`url_private_download`
 * with the bot token); files without a download URL (deleted, hidden) are left out.
 */
export function incomingFiles(files: readonly SlackFileObject[] | undefined, botToken: () => string): IncomingFile[] {
  const incoming: IncomingFile[] = [];
  for (const file of files ?? []) {
    const url = file.url_private_download;
    if (url === undefined) continue;
    const mime = file.mimetype ?? 'application/octet-stream';
    incoming.push({ kind: kindOf(mime, file.subtype), name: file.name ?? file.title ?? file.id, mime, bytes: file.size ?? 0, fetch: () => download(url, botToken(), mime) });
  }
  return incoming;
}

function kindOf(mime: string, subtype: string | undefined): IncomingFile['kind'] {
  if (mime.startsWith('image/')) return 'image';
  return subtype === 'slack_audio' || mime.startsWith('audio/') ? 'voice' : 'file';
}

/**
 * A private file, with the bot token. Without the `files:read` scope Slack answers with its
 * sign-in page and a 200, which must not pass for the file.
 */
async function download(url: string, token: string, mime: string): Promise<Buffer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`Slack refused the file download (HTTP ${response.status})`);
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/html') && !mime.startsWith('text/html')) throw new Error('Slack answered the file download with its sign-in page: the app needs the files:read scope');
  return Buffer.from(await response.arrayBuffer());
}

const CACHED_USERS = 2000;

/**
 * Users' locales (`users.info` with `include_locale`), asked once per user: a user's language
 * rarely changes, and every message asking again would spend the Web API's rate limit. Slack's
 * refusal (`missing_scope`: no `users:read`) is kept as "no locale"; a lookup that never got an
 * answer is not, so the next message asks again.
 */
export class SlackLocales {
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly client: () => App['client'] | undefined,
    private readonly log: Logger,
  ) {}

  /** The user's locale (`ko-KR`), or undefined when Slack does not tell it. */
  of(user: string): Promise<string | undefined> {
    const cached = this.cache.get(user);
    if (cached) return cached;
    const lookup = this.lookUp(user);
    this.cache.set(user, lookup);
    if (this.cache.size > CACHED_USERS) this.cache.delete(this.cache.keys().next().value as string);
    return lookup;
  }

  private async lookUp(user: string): Promise<string | undefined> {
    try {
      const answer = await this.client()?.users.info({ user, include_locale: true });
      return answer?.user?.locale;
    } catch (error) {
      if ((error as { code?: string }).code !== 'slack_webapi_platform_error') this.cache.delete(user);
      this.log.debug({ err: (error as Error).message, user }, 'slack users.info failed; the message goes without a language');
      return undefined;
    }
  }
}
