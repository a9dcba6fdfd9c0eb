import type { CommandHost } from './command-host.js';
import type { ChatContext, Composer } from './router.js';
import type { NamedProfile } from '../protocol/index.js';

/** A profile as `/profile list` shows it: its name, and what it is for. */
interface Choice {
  name: string;
  description?: string;
}

/**
 * `/profile list|<name>` and `/mode single|multi`: the thread's settings, kept in its session and
 * sent with each request (`profileName`, `mode`). The runner's profiles are its own; the bridge's
 * are the master's (`status().profiles`). `/profile none` goes back to no profile.
 */
export function registerSessionCommands(router: Composer, engine: CommandHost): void {
  router
    .command('profile', (ctx) => chooseProfile(ctx, engine))
    .command('mode', async (ctx) => {
      const wanted = ctx.command?.args.toLowerCase() ?? '';
      const { markup } = ctx.output;
      if (wanted !== 'single' && wanted !== 'multi') return void (await ctx.reply(markup.escape(ctx.t.profiles.modeUsage(engine.session(ctx).mode ?? 'single'))));
      engine.updateSession(ctx, { mode: wanted });
      await ctx.reply(markup.escape(ctx.t.profiles.mode(wanted)));
    });
}

async function chooseProfile(ctx: ChatContext, engine: CommandHost): Promise<void> {
  const wanted = ctx.command?.args ?? '';
  const { markup } = ctx.output;
  const { t } = ctx;
  const choices = await profilesOf(engine);
  if (wanted === '' || wanted === 'list') {
    if (choices.length === 0) return void (await ctx.reply(markup.escape(t.profiles.none)));
    const current = engine.session(ctx).profile;
    const lines = choices.map((c) => `${c.name === current ? '•' : '◦'} ${c.name}${c.description === undefined ? '' : ` — ${c.description}`}`);
    return void (await ctx.reply(markup.escape([t.profiles.header, ...lines].join('\n'))));
  }
  if (wanted === 'none' && !engine.local && !choices.some((c) => c.name === wanted)) {
    engine.updateSession(ctx, { profile: undefined });
    return void (await ctx.reply(markup.escape(t.profiles.cleared)));
  }
  if (!choices.some((c) => c.name === wanted)) return void (await ctx.reply(markup.escape(t.profiles.unknown(wanted, choices.map((c) => c.name).join(', ')))));
  engine.updateSession(ctx, { profile: wanted });
  await ctx.reply(markup.escape(t.profiles.chosen(wanted)));
}

/** The profiles a thread may choose from. */
async function profilesOf(engine: CommandHost): Promise<Choice[]> {
  if (engine.local) return engine.local.profiles().map((name) => ({ name }));
  const profiles: NamedProfile[] = (await engine.gateway.status()).profiles ?? [];
  return profiles.map(({ name, description }) => ({ name, ...(description === undefined ? {} : { description }) }));
}
