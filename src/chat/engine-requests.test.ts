import { describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES } from '../protocol/index.js';
import { engineOn, message, plain, RecordingOutput, ScriptedGateway, UploadingGateway } from '../test-support/chat-engine-kit.js';
import { waitFor } from '../test-support/wait.js';
import type { IncomingFile, JobSummary } from './index.js';

const done = (finalMessage: string): JobSummary['result'] => ({ status: 'succeeded', filesChanged: [], commands: [], durationMs: 2000, finalMessage });

function file(kind: IncomingFile['kind'], name: string, content: Buffer, bytes = content.length) {
  const fetched: string[] = [];
  const incoming: IncomingFile = { kind, name, mime: kind === 'image' ? 'image/jpeg' : kind === 'voice' ? 'audio/ogg' : 'text/plain', bytes, fetch: () => (fetched.push(name), Promise.resolve(content)) };
  return { incoming, fetched };
}

describe('chat engine: pipelines, files, voice, outbox and order', () => {
  it('shows a multi request\'s steps in its one progress message, and answers with the reviewer\'s verdict', async () => {
    const gateway = new ScriptedGateway();
    const output = new RecordingOutput();
    const engine = engineOn(gateway);
    await engine.handle(message('/mode multi'), output);
    gateway.nextId = 5;
    await engine.handle(message('add a textbox'), output);
    const pipeline = (id: number, role: string, step: number) => ({ pipeline: { id: 5, role, step, steps: 3 }, id });
    gateway.push({ ...pipeline(5, 'planner', 1), status: 'running' }, [{ kind: 'agent_message', text: 'Planning.' }]);
    await waitFor(() => output.texts()[1]?.startsWith('⚙️ 1/3 planner: Job #5 running'), 'step 1 shown');
    gateway.push({ ...pipeline(5, 'planner', 1), status: 'succeeded', result: done('1. Add it.') });
    gateway.push({ ...pipeline(6, 'coder', 2), status: 'running' }, [{ kind: 'command_started', command: 'npm test' }]);
    await waitFor(() => output.texts()[1]?.includes('2/3 coder: Job #6 running'), 'step 2 shown');
    expect(output.texts()[1]).toContain('$ npm test');
    await engine.handle(message('/cancel'), output);
    expect(gateway.cancels).toEqual([6]);
    gateway.push({ ...pipeline(6, 'coder', 2), status: 'succeeded', result: done('Added.') });
    gateway.push({ ...pipeline(7, 'reviewer', 3), status: 'succeeded', result: done('Looks right. Verdict: APPROVE') });
    const answer = await waitFor(() => output.texts().find((t) => t.includes('Verdict: APPROVE')), 'the answer');
    expect(answer).toMatch(/^✅ Job #7 succeeded in 2\.0 s\n\nSteps: 1\/3 planner #5 ✅ → 2\/3 coder #6 ✅ → 3\/3 reviewer #7 ✅\nThe reviewer's verdict:\n\nLooks right\. Verdict: APPROVE/);
    // One progress message for the whole request; the next request continues the reviewer's conversation.
    expect(output.messages().filter((m) => plain(m.text).startsWith('⏳ Sending'))).toHaveLength(1);
    await engine.handle(message('and now?'), output);
    expect(gateway.submits.at(-1)).toMatchObject({ continueFrom: 7, mode: 'multi' });
  });

  it('ends a pipeline at a failed step, and says which step it was in Korean', async () => {
    const gateway = new ScriptedGateway();
    const output = new RecordingOutput();
    const engine = engineOn(gateway);
    await engine.handle(message('/mode multi', { language: 'ko' }), output);
    await engine.handle(message('고쳐 줘', { language: 'ko' }), output);
    gateway.push({ id: 1, pipeline: { id: 1, role: 'planner', step: 1, steps: 3 }, status: 'succeeded', result: done('계획') });
    gateway.push({ id: 2, pipeline: { id: 1, role: 'coder', step: 2, steps: 3 }, status: 'failed', error: 'boom' });
    const answer = await waitFor(() => output.texts().find((t) => t.includes('boom')), 'the answer');
    expect(answer).toContain('작업 #2 실패');
    expect(answer).toContain('단계: 1/3 계획 #1 ✅ → 2/3 구현 #2 ❌');
    expect(answer).not.toContain('의견');
    await engine.handle(message('/status', { language: 'ko' }), output);
    expect(output.texts().at(-1)).toContain('최근 실행: 작업 #2 실패');
  });

  it('uploads photos and documents for the request, and refuses a file over the limit without fetching it', async () => {
    const gateway = new UploadingGateway();
    const output = new RecordingOutput();
    const engine = engineOn(gateway);
    const photo = file('image', 'photo.jpg', Buffer.from('jpeg'));
    const doc = file('file', 'notes.txt', Buffer.from('notes'));
    await engine.handle(message('what is this?', { files: [photo.incoming, doc.incoming] }), output);
    expect(gateway.uploads.map((u) => [u.name, u.kind, u.content.toString()])).toEqual([['photo.jpg', 'image', 'jpeg'], ['notes.txt', 'file', 'notes']]);
    expect(gateway.submits[0]?.attachments?.map((a) => a.name)).toEqual(['photo.jpg', 'notes.txt']);
    expect(gateway.submits[0]?.prompt).toBe('what is this?');
    // Only a file, no caption: Codex is asked to look at it.
    await engine.handle(message('', { chatId: '2', files: [file('image', 'p.jpg', Buffer.from('x')).incoming] }), output);
    expect(gateway.submits[1]?.prompt).toBe('Look at the attached files.');
    const huge = file('file', 'huge.bin', Buffer.alloc(0), MAX_ATTACHMENT_BYTES + 1);
    await engine.handle(message('read it', { chatId: '3', files: [huge.incoming] }), output);
    expect(huge.fetched).toEqual([]);
    expect(output.texts().at(-1)).toBe('📎 huge.bin is 20 MB; files up to 20 MB can be sent with a request. Nothing was run.');
    // A platform that did not say the size: refused once fetched.
    const unknown = file('file', 'big.bin', Buffer.alloc(MAX_ATTACHMENT_BYTES + 1), 0);
    await engine.handle(message('read it', { chatId: '3', files: [unknown.incoming] }), output);
    expect(unknown.fetched).toEqual(['big.bin']);
    expect(gateway.submits).toHaveLength(2);
  });

  it('says files are not supported where the gateway takes none', async () => {
    const gateway = new ScriptedGateway();
    const output = new RecordingOutput();
    await engineOn(gateway).handle(message('look', { files: [file('file', 'a.txt', Buffer.from('a')).incoming], language: 'ko' }), output);
    expect(output.texts()).toEqual(['📎 여기서는 Codex에 파일을 보낼 수 없어요. 요청을 텍스트로 보내 주세요.']);
    expect(gateway.submits).toEqual([]);
  });

  it('transcribes a voice note, shows the transcript before the job starts, and runs it; without a transcriber says how to enable one', async () => {
    const gateway = new ScriptedGateway();
    const output = new RecordingOutput();
    const heard: { name: string; language: string | undefined; bytes: number }[] = [];
    const transcriber = { transcribe: (audio: Buffer, name: string, _mime: string, language?: string) => (heard.push({ name, language, bytes: audio.length }), Promise.resolve(' 테스트를 돌려 줘 ')) };
    const voice = file('voice', 'voice.ogg', Buffer.from('ogg-data'));
    await engineOn(gateway, { transcriber }).handle(message('', { files: [voice.incoming], language: 'ko-KR' }), output);
    expect(heard).toEqual([{ name: 'voice.ogg', language: 'ko', bytes: 8 }]);
    expect(output.texts()).toEqual(['🎙️ 테스트를 돌려 줘', '⏳ Codex에 보내는 중…']);
    expect(gateway.submits[0]?.prompt).toBe('테스트를 돌려 줘');
    const without = new RecordingOutput();
    await engineOn(gateway).handle(message('', { files: [voice.incoming] }), without);
    expect(without.texts()[0]).toContain('set CHAT_TRANSCRIBE_URL');
    expect(gateway.submits).toHaveLength(1);
  });

  it('sends the outbox files after the answer, whole, and leaves out one with a part missing', async () => {
    const gateway = new ScriptedGateway();
    const output = new RecordingOutput();
    await engineOn(gateway).handle(message('make a chart'), output);
    const chart = Buffer.from('PNG-bytes-of-a-chart');
    const parts = [chart.subarray(0, 8), chart.subarray(8)].map((p) => p.toString('base64'));
    gateway.push({ id: 1, status: 'running' }, [
      { kind: 'file', name: 'chart.png', mime: 'image/png', bytes: chart.length, part: 1, parts: 2, data: parts[1] ?? '' },
      { kind: 'file', name: 'broken.txt', mime: 'text/plain', bytes: 10, part: 0, parts: 2, data: 'AAAA' },
    ]);
    gateway.push({ id: 1, status: 'succeeded', result: done('Chart made.') }, [{ kind: 'file', name: 'chart.png', mime: 'image/png', bytes: chart.length, part: 0, parts: 2, data: parts[0] ?? '' }]);
    await waitFor(() => output.sent.some((s) => s.kind === 'file'), 'the file');
    const kinds = output.sent.map((s) => (s.kind === 'file' ? `file ${s.name}` : plain(s.text).split('\n')[0]));
    expect(kinds).toEqual(['⏳ Sending to Codex…', '✅ Job #1 succeeded in 2.0 s', 'file chart.png']);
    const sent = output.sent.find((s) => s.kind === 'file');
    expect(sent?.kind === 'file' && sent.content.equals(chart)).toBe(true);
  });

  it('sends the parts of a split answer together: the next request\'s first message waits for them', async () => {
    const gateway = new ScriptedGateway();
    const output = new RecordingOutput(100);
    const engine = engineOn(gateway);
    await engine.handle(message('long please'), output);
    output.delayMs = 20;
    gateway.push({ id: 1, status: 'succeeded', result: done(Array.from({ length: 6 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n')) });
    await waitFor(() => output.messages().length >= 2, 'the first part');
    const next = engine.handle(message('next one'), output);
    await next;
    await waitFor(() => output.texts().some((t) => t.startsWith('⏳ Sending')) && output.messages().length >= 6, 'every message');
    const texts = output.messages().map((m) => plain(m.text));
    const parts = texts.map((t, i) => (t.includes('line ') || t.startsWith('✅') ? i : -1)).filter((i) => i >= 0);
    const sending = texts.lastIndexOf('⏳ Sending to Codex…');
    expect(parts.length).toBeGreaterThan(1);
    expect(Math.max(...parts)).toBeLessThan(sending);
    expect(parts).toEqual(Array.from({ length: parts.length }, (_, i) => (parts[0] ?? 0) + i));
  });
});
