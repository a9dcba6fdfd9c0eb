import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assistantMessage, execCommandCall } from '../src/test-support/responses-stand-in.js';
import { SLACK_BOT_USER } from '../src/test-support/slack-stand-in.js';
import { waitFor } from '../src/test-support/wait.js';
import { modelInput, startChatWorld, TRANSCRIBE_KEY, type ChatWorld } from './chat-e2e-fixture.js';

let world: ChatWorld;

beforeAll(async () => {
  world = await startChatWorld();
}, 60_000);
afterAll(() => world.close());
// A test that failed may leave scripted answers behind: the next one starts from none.
beforeEach(() => world.model.reset());

/** A valid 1×1 PNG: Codex reads an image input's file before it sends it. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe('files and voice from chat (real master, node and codex)', () => {
  it('sends a photo to Codex as an image input', async () => {
    const { model, telegram } = world;
    const before = model.requests.length;
    model.enqueue({ output: [assistantMessage('A single pixel.')] });
    telegram.say({ chatId: 2201, languageCode: 'en', file: { kind: 'photo', content: PNG }, caption: 'what is in this picture?' });
    await world.telegramReply(2201, 'A single pixel', { timeoutMs: 30_000 });
    const input = modelInput(model, before);
    expect(input).toContain('"input_image"');
    expect(input).toMatch(/data:image\/png;base64,/);
    expect(input).toContain('what is in this picture?');
  }, 60_000);

  it('puts a document in the job workspace and tells Codex where', async () => {
    const { model, telegram } = world;
    const before = model.requests.length;
    model.enqueue({ output: [execCommandCall('cat .csc/inbox/notes.txt')] }, { output: [assistantMessage('The notes say: buy figs.')] });
    telegram.say({ chatId: 2202, languageCode: 'en', file: { kind: 'document', content: Buffer.from('buy figs\n'), fileName: 'notes.txt', mimeType: 'text/plain' }, caption: 'read my notes' });
    await world.telegramReply(2202, 'The notes say: buy figs', { timeoutMs: 30_000 });
    expect(modelInput(model, before)).toMatch(/\.csc\/inbox\/: notes\.txt/);
    // The command's output, in the next request, is the file's content: it was in the workspace.
    expect(modelInput(model, before + 1)).toContain('buy figs');
  }, 60_000);

  it('transcribes a voice note, shows the transcript before the job starts, and runs it as the prompt', async () => {
    const { model, telegram, transcription } = world;
    const before = model.requests.length;
    const voice = Buffer.from('OggS-voice-note-bytes');
    transcription.enqueue({ text: '마커 단어는 망고라고 말해 줘' });
    model.enqueue({ output: [assistantMessage('망고')] });
    telegram.say({ chatId: 2203, languageCode: 'ko', file: { kind: 'voice', content: voice, mimeType: 'audio/ogg' } });
    const transcript = await world.telegramReply(2203, '🎙️', { timeoutMs: 20_000 });
    expect(transcript.text).toContain('마커 단어는 망고라고 말해 줘');
    await world.telegramReply(2203, '망고', { after: telegram.sentTo(2203).indexOf(transcript) + 1, timeoutMs: 30_000 });
    expect(transcription.requests.at(-1)).toMatchObject({ authorization: `Bearer ${TRANSCRIBE_KEY}`, model: 'whisper-1', language: 'ko', fileType: 'audio/ogg', file: voice });
    expect(modelInput(model, before)).toContain('마커 단어는 망고라고 말해 줘');
    // The transcript went out before the job's first message.
    const sent = telegram.sentTo(2203);
    expect(sent.indexOf(transcript)).toBe(0);
  }, 60_000);

  it('takes a file shared on Slack into the workspace, and sends the files Codex leaves in its outbox back as documents', async () => {
    const { model, slack } = world;
    model.enqueue(
      { output: [execCommandCall('mkdir -p .csc/outbox && tr a-z A-Z < .csc/inbox/todo.md > .csc/outbox/TODO.md')] },
      { output: [assistantMessage('Shouted it back.')] },
    );
    const ts = slack.nextTs();
    const files = slack.files.share([{ name: 'todo.md', mimetype: 'text/markdown', content: Buffer.from('water the plants\n') }]);
    slack.sendEvent({ type: 'app_mention', channel: 'C1', user: 'U1', text: `<@${SLACK_BOT_USER}> shout my list back`, ts, files });
    await waitFor(() => slack.posted.find((p) => p.threadTs === ts && p.text.includes('Shouted it back')), 'the result in the thread', 30_000);
    expect(modelInput(model, 0)).toMatch(/\.csc\/inbox\/: todo\.md/);
    const upload = await waitFor(() => slack.files.uploads.find((u) => u.filename === 'TODO.md'), 'the outbox file on Slack', 10_000);
    expect(upload.content.toString()).toBe('WATER THE PLANTS\n');
    expect(upload.threadTs).toBe(ts);
  }, 60_000);

  it('sends an outbox file back on Telegram as a document after the result', async () => {
    const { model, telegram } = world;
    model.enqueue({ output: [execCommandCall('mkdir -p .csc/outbox && printf "total: 3" > .csc/outbox/report.txt')] }, { output: [assistantMessage('Report written.')] });
    telegram.say({ chatId: 2204, languageCode: 'en', text: 'write a report' });
    await world.telegramReply(2204, 'Report written', { timeoutMs: 30_000 });
    const document = await waitFor(() => telegram.documents.find((d) => d.chatId === 2204 && d.fileName === 'report.txt'), 'the report document', 10_000);
    expect(document.content.toString()).toBe('total: 3');
  }, 60_000);
});
