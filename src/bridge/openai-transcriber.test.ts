import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TranscriptionStandIn } from '../test-support/transcription-stand-in.js';
import { isoLanguage, OpenAiTranscriber } from './index.js';

let standIn: TranscriptionStandIn;

beforeAll(async () => {
  standIn = await TranscriptionStandIn.start({ apiKey: 'sk-test-transcribe' });
});
afterAll(() => standIn.close());

describe('OpenAiTranscriber', () => {
  it('posts the audio, the model and the language as multipart/form-data with the key, and returns the text', async () => {
    standIn.enqueue({ text: ' 테스트를 고쳐 줘 ' });
    const transcriber = new OpenAiTranscriber({ url: standIn.baseUrl, apiKey: 'sk-test-transcribe', model: 'whisper-1' });
    const audio = Buffer.from([0x4f, 0x67, 0x67, 0x53, 0, 1, 2, 3]);
    await expect(transcriber.transcribe(audio, 'voice.ogg', 'audio/ogg', 'ko')).resolves.toBe('테스트를 고쳐 줘');
    expect(standIn.requests.at(-1)).toMatchObject({
      authorization: 'Bearer sk-test-transcribe',
      model: 'whisper-1',
      language: 'ko',
      fileName: 'voice.ogg',
      fileType: 'audio/ogg',
      file: audio,
    });
  });

  it('leaves the language out when the platform did not say one the API takes', async () => {
    const transcriber = new OpenAiTranscriber({ url: standIn.baseUrl, apiKey: 'sk-test-transcribe', model: 'gpt-4o-transcribe' });
    await transcriber.transcribe(Buffer.from('x'), 'voice.ogg', 'audio/ogg');
    expect(standIn.requests.at(-1)).toMatchObject({ model: 'gpt-4o-transcribe', language: undefined });
  });

  it("says the service's own reason when it refuses, and when nothing answers", async () => {
    const wrongKey = new OpenAiTranscriber({ url: standIn.baseUrl, apiKey: 'sk-wrong', model: 'whisper-1' });
    await expect(wrongKey.transcribe(Buffer.from('x'), 'v.ogg', 'audio/ogg')).rejects.toThrow('refused the voice note (HTTP 401: Incorrect API key provided.)');
    const gone = await TranscriptionStandIn.start();
    const url = gone.baseUrl;
    await gone.close();
    await expect(new OpenAiTranscriber({ url, model: 'whisper-1' }).transcribe(Buffer.from('x'), 'v.ogg', 'audio/ogg')).rejects.toThrow(`the transcription service at ${url} did not answer (ECONNREFUSED)`);
  });

  it('takes the primary subtag of a platform language', () => {
    expect(['ko', 'en-US', 'pt_BR', 'KO', 'zh-hans', 'x', undefined, ''].map(isoLanguage)).toEqual(['ko', 'en', 'pt', 'ko', 'zh', undefined, undefined, undefined]);
  });
});
