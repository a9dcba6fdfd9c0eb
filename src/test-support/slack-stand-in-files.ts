/** Files on Slack as the stand-in keeps them: users' shared files behind the bot token, and the bot's external uploads. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseMultipart } from './telegram-formats.js';

/** A file a user shares with a message. */
export interface UserSlackFile {
  name: string;
  mimetype: string;
  content: Buffer;
}

/** A file the bot uploaded (`files.getUploadURLExternal`, the upload, `files.completeUploadExternal`). */
export interface SlackUpload {
  fileId: string;
  filename: string;
  /** What `getUploadURLExternal` was told. */
  length: number;
  content: Buffer;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  title?: string;
}

interface Shared extends UserSlackFile {
  id: string;
  path: string;
}

type Answer = Record<string, unknown>;

/** What Slack serves for a private file asked without the token: its sign-in page, with a 200. */
const SIGN_IN_PAGE = '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>';

/**
 * Users' files (`url_private_download`, served only with the bot token in `Authorization`, else
 * the sign-in page as Slack does) and the external upload flow: an upload URL per file, the
 * bytes POSTed to it (raw or multipart/form-data), then the completion that shares it.
 */
export class SlackFiles {
  /** Completed uploads, in order. */
  readonly uploads: SlackUpload[] = [];
  private readonly shared = new Map<string, Shared>();
  private readonly pending = new Map<string, SlackUpload & { received: boolean }>();
  private nextId = 1;

  constructor(
    private readonly origin: () => string,
    private readonly botToken: string,
  ) {}

  /** The `files` of a message event sharing these files. */
  share(files: UserSlackFile[]): Answer[] {
    return files.map((file) => {
      const id = `F0${this.nextId++}SHARED`;
      const path = `/files-pri/T1-${id}/download/${encodeURIComponent(file.name)}`;
      this.shared.set(path, { ...file, id, path });
      const url = `${this.origin()}${path}`;
      return { id, created: Math.floor(Date.now() / 1000), name: file.name, title: file.name, mimetype: file.mimetype, filetype: file.name.split('.').pop() ?? 'binary', user: 'U1', mode: 'hosted', size: file.content.length, url_private: url.replace('/download/', '/'), url_private_download: url };
    });
  }

  /** Serves `GET /files-pri/…` and `POST /upload/v1/…`; false for any other path. */
  route(req: IncomingMessage, body: Buffer, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (req.method === 'GET' && url.startsWith('/files-pri/')) {
      const file = this.shared.get(url);
      const authorized = req.headers.authorization === `Bearer ${this.botToken}`;
      if (file && authorized) res.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.content.length }).end(file.content);
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SIGN_IN_PAGE);
      return true;
    }
    if (req.method === 'POST' && url.startsWith('/upload/v1/')) {
      this.receive(url.slice('/upload/v1/'.length), body, req.headers['content-type'] ?? '', res);
      return true;
    }
    return false;
  }

  /** `files.getUploadURLExternal`: `filename` and `length` required. */
  getUploadURLExternal(args: Record<string, string>): Answer {
    const length = Number(args.length);
    if (!args.filename || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
    const fileId = `F0${this.nextId++}UPLOAD`;
    this.pending.set(fileId, { fileId, filename: args.filename, length, content: Buffer.alloc(0), received: false });
    return { ok: true, upload_url: `${this.origin()}/upload/v1/${fileId}`, file_id: fileId };
  }

  /** `files.completeUploadExternal`: every file uploaded first; `thread_ts` only with `channel_id`. */
  completeUploadExternal(args: Record<string, string>): Answer {
    const files = JSON.parse(args.files ?? '[]') as { id: string; title?: string }[];
    if (!Array.isArray(files) || files.length === 0) return { ok: false, error: 'invalid_arguments' };
    if (args.thread_ts !== undefined && args.channel_id === undefined) return { ok: false, error: 'invalid_arguments' };
    const uploads = files.map((f) => this.pending.get(f.id));
    if (!uploads.every((u) => u?.received === true)) return { ok: false, error: 'file_not_found' };
    for (const [index, upload] of uploads.entries()) {
      if (!upload) continue;
      this.pending.delete(upload.fileId);
      const title = files[index]?.title;
      this.uploads.push({ fileId: upload.fileId, filename: upload.filename, length: upload.length, content: upload.content, ...(args.channel_id === undefined ? {} : { channel: args.channel_id }), ...(args.thread_ts === undefined ? {} : { threadTs: args.thread_ts }), ...(args.initial_comment === undefined ? {} : { initialComment: args.initial_comment }), ...(title === undefined ? {} : { title }) });
    }
    return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) };
  }

  /** The upload URL takes the bytes raw or as the one file part of a multipart/form-data body. */
  private receive(fileId: string, body: Buffer, contentType: string, res: ServerResponse): void {
    const upload = this.pending.get(fileId);
    if (!upload) {
      res.writeHead(404).end();
      return;
    }
    const content = contentType.startsWith('multipart/form-data') ? [...parseMultipart(body, contentType).files.values()][0]?.content : body;
    if (!content || content.length === 0) {
      res.writeHead(400).end('empty upload');
      return;
    }
    upload.content = content;
    upload.received = true;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${content.length}`);
  }
}
