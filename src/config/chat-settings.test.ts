import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentFrom, resolveBridgeConfig, resolveChatSettings, resolveOrchestratorConfig, scrubEnvironment, BUILT_IN_HIDDEN_NAMES } from './index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('chat settings (CHAT_LANGUAGE, CHAT_TRANSCRIBE_*)', () => {
  it('defaults to auto and no transcription', () => {
    expect(resolveChatSettings({}, environmentFrom({}))).toEqual({ language: 'auto' });
  });

  it('turns transcription on with a URL, whisper-1 by default, the trailing slash dropped', () => {
    const env = environmentFrom({ CHAT_LANGUAGE: 'ko', CHAT_TRANSCRIBE_URL: 'https://api.openai.com/v1/', CHAT_TRANSCRIBE_API_KEY: 'sk-abc' });
    expect(resolveChatSettings({}, env)).toEqual({ language: 'ko', transcription: { url: 'https://api.openai.com/v1', apiKey: 'sk-abc', model: 'whisper-1' } });
  });

  it('lets the bridge flags win over the environment', () => {
    const env = environmentFrom({ CHAT_LANGUAGE: 'ko', CHAT_TRANSCRIBE_URL: 'https://a.example/v1', CHAT_TRANSCRIBE_MODEL: 'whisper-1' });
    const config = resolveBridgeConfig({ chatLanguage: 'en', chatTranscribeUrl: 'http://127.0.0.1:9000/v1', chatTranscribeModel: 'gpt-4o-transcribe' }, env, false);
    expect(config.chat).toEqual({ language: 'en', transcription: { url: 'http://127.0.0.1:9000/v1', model: 'gpt-4o-transcribe' } });
  });

  it('names the key of a bad value, and a key or model without a URL', () => {
    expect(() => resolveChatSettings({}, environmentFrom({ CHAT_LANGUAGE: 'fr' }))).toThrow(/CHAT_LANGUAGE \(environment\).*must be auto, en or ko/);
    expect(() => resolveChatSettings({ chatTranscribeUrl: 'ftp://x' }, environmentFrom({}))).toThrow(/--chat-transcribe-url.*http or https/);
    expect(() => resolveChatSettings({}, environmentFrom({ CHAT_TRANSCRIBE_API_KEY: 'sk-abc' }))).toThrow(/CHAT_TRANSCRIBE_API_KEY.*CHAT_TRANSCRIBE_URL is not/);
  });

  it('gives the runner the same settings from its environment', () => {
    const base = mkdtempSync(join(tmpdir(), 'csc-chat-settings-'));
    dirs.push(base);
    const env = environmentFrom({ CODEX_CONF_PATH: join(base, 'conf.toml'), TELEGRAM_BOT_TOKEN: '123:abc', HOME: base, CHAT_LANGUAGE: 'en', CHAT_TRANSCRIBE_URL: 'http://127.0.0.1:1/v1' });
    expect(resolveOrchestratorConfig(env).chat).toEqual({ language: 'en', transcription: { url: 'http://127.0.0.1:1/v1', model: 'whisper-1' } });
  });

  it('keeps the transcription key from Codex', () => {
    expect(scrubEnvironment({ CHAT_TRANSCRIBE_API_KEY: 'sk-abc', PATH: '/bin' }, { names: BUILT_IN_HIDDEN_NAMES, values: [] })).toEqual({ PATH: '/bin' });
  });
});
