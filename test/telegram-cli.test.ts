import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TelegramStandIn } from '../src/test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc } from './cli-process.js';

afterAll(() => removeTempDirs());

describe('csc telegram (the built CLI)', () => {
  it('writes the config template on the first run and says where', async () => {
    const dir = tempDir();
    const proc = runCsc(['telegram'], { CODEX_CONF_PATH: join(dir, 'conf.toml') });
    expect(await proc.exited).toBe(2);
    expect(existsSync(join(dir, 'conf.toml'))).toBe(true);
    expect(proc.stderr()).toContain(`wrote a commented config template to ${join(dir, 'conf.toml')}`);
    expect(proc.stderr()).toContain('TELEGRAM_BOT_TOKEN');
  });

  it('answers /start with the echo executor and stops cleanly on SIGINT', async () => {
    const telegram = await TelegramStandIn.start();
    const dir = tempDir();
    writeFileSync(join(dir, 'conf.toml'), '[telegram]\nallowed_users = [55]\n[telegram.polling]\npoll_timeout = 1\nloop_sleep_sec = 0\n[codex]\nallow_echo_executor = true\n');
    const proc = runCsc(['telegram'], { CODEX_CONF_PATH: join(dir, 'conf.toml'), TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, LOG_FORMAT: 'json' });
    await proc.waitForOutput(/telegram polling started/);
    telegram.say({ chatId: 55, text: '/start' });
    const help = await waitFor(() => telegram.sentTo(55)[0], 'the help');
    expect(help.text).toContain('/profile list\\|<name\\>');
    telegram.say({ chatId: 55, text: 'echo me' });
    await waitFor(() => telegram.sentTo(55).find((m) => m.text.includes('succeeded in') && m.text.includes('echo me')), 'the echo');
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    await telegram.close();
  });
});
