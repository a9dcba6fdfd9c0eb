import { helpText, nodesText, statusText, threadText } from './format.js';
import type { Composer } from './router.js';
import type { CancelOutcome, CodexRequest, CommandHost, LocalCommands } from './command-host.js';
import { registerPublish } from './publish-command.js';

/** `/run @node [owner/repo] prompt` → the request, or undefined when it does not parse. */
export function parseRun(args: string): CodexRequest | undefined {
  const match = /^@(\S+)\s+(?:((?:https:\/\/\S+)|(?:\/\S+)|(?:[\w.-]+\/[\w.-]+))\s+)?([\s\S]+)$/.exec(args.trim());
  if (!match) return undefined;
  const [, node, repo, prompt] = match;
  if (node === undefined || prompt === undefined) return undefined;
  return { node, prompt: prompt.trim(), ...(repo === undefined ? {} : { repo }) };
}

/** The commands every platform has: `/start`, `/help`, `/status`, `/nodes`, `/cancel`, `/new`, `/run`, `/pr`. */
export function registerCommands(router: Composer, engine: CommandHost): void {
  router
    .command(['start', 'help'], async (ctx) => {
      const { local } = engine;
      await ctx.reply(local ? ctx.output.markup.escape(local.helpLines.join('\n')) : helpText(ctx.output.markup));
    })
    .command('status', async (ctx) => {
      if (engine.local) {
        await ctx.reply(ctx.output.markup.escape((await engine.local.statusLines(engine.session(ctx))).join('\n')));
        return;
      }
      const status = await engine.gateway.status();
      await ctx.reply(statusText(ctx.output.markup, status, threadText(engine.thread(ctx), engine.session(ctx).lastJobId)));
    })
    .command('nodes', async (ctx) => {
      await ctx.reply(nodesText(ctx.output.markup, await engine.gateway.status()));
    })
    .command('cancel', async (ctx) => {
      await ctx.reply(ctx.output.markup.escape(cancelText(await engine.cancel(ctx))));
    })
    .command('new', async (ctx) => {
      engine.reset(ctx);
      const { waiting } = engine.thread(ctx);
      const queued = waiting === 0 ? '' : waiting === 1 ? ' The request waiting in this thread starts it.' : ` The ${waiting} requests waiting in this thread start it.`;
      await ctx.reply(ctx.output.markup.escape(`Fresh start: the next request begins a new Codex conversation.${queued}`));
    })
    .command('run', async (ctx) => {
      const request = parseRun(ctx.command?.args ?? '');
      if (!request) {
        await ctx.reply(ctx.output.markup.escape('Usage: /run @node [owner/repo] prompt'));
        return;
      }
      await engine.request(ctx, request);
    });
  registerPublish(router, engine);
  if (engine.local) registerSessionCommands(router, engine, engine.local);
}

/** `1 request`, `2 requests`. */
function requests(count: number): string {
  return `${count} request${count === 1 ? '' : 's'}`;
}

/** What `/cancel` says it did (plain text). */
function cancelText({ jobId, abandoned, dropped }: CancelOutcome): string {
  const what =
    jobId !== undefined
      ? `Cancelling job #${jobId}…`
      : abandoned
        ? 'Gave up on the request the master has not answered: if it starts after all, it is cancelled at once.'
        : 'Nothing is running in this thread.';
  return dropped === 0 ? what : `${what} Dropped the ${requests(dropped)} waiting behind it: send again what you still want run.`;
}

/** `/profile list|<name>` and `/mode single|multi`: the session's settings (the standalone runner's). */
function registerSessionCommands(router: Composer, engine: CommandHost, local: LocalCommands): void {
  router
    .command('profile', async (ctx) => {
      const wanted = ctx.command?.args ?? '';
      const names = local.profiles();
      const { markup } = ctx.output;
      if (wanted === '' || wanted === 'list') {
        const current = engine.session(ctx).profile;
        await ctx.reply(markup.escape(['Profiles:', ...names.map((n) => `${n === current ? '•' : '◦'} ${n}`)].join('\n')));
        return;
      }
      if (!names.includes(wanted)) {
        await ctx.reply(markup.escape(`No profile "${wanted}". Profiles: ${names.join(', ')}`));
        return;
      }
      engine.updateSession(ctx, { profile: wanted });
      await ctx.reply(markup.escape(`Profile: ${wanted}`));
    })
    .command('mode', async (ctx) => {
      const wanted = ctx.command?.args ?? '';
      if (wanted !== 'single' && wanted !== 'multi') {
        await ctx.reply(ctx.output.markup.escape(`Usage: /mode single|multi (now ${engine.session(ctx).mode ?? 'single'})`));
        return;
      }
      engine.updateSession(ctx, { mode: wanted });
      await ctx.reply(ctx.output.markup.escape(`Mode: ${wanted}`));
    });
}
