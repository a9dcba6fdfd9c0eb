import type { Composer } from './router.js';
import type { CancelOutcome, CodexRequest, CommandHost } from './command-host.js';
import type { Catalog } from './i18n/index.js';
import { registerPublish } from './publish-command.js';
import { registerSessionCommands } from './session-commands.js';
import { commandLines, helpText, nodesText, statusText, threadText, usageText } from './status-text.js';
import { errorText } from './types.js';

/** `/run @node [owner/repo] prompt` → the request, or undefined when it does not parse. */
export function parseRun(args: string): CodexRequest | undefined {
  const match = /^@(\S+)\s+(?:((?:https:\/\/\S+)|(?:\/\S+)|(?:[\w.-]+\/[\w.-]+))\s+)?([\s\S]+)$/.exec(args.trim());
  if (!match) return undefined;
  const [, node, repo, prompt] = match;
  if (node === undefined || prompt === undefined) return undefined;
  return { node, prompt: prompt.trim(), ...(repo === undefined ? {} : { repo }) };
}

/**
 * The commands every platform has: `/start`, `/help`, `/status`, `/nodes`, `/profile`, `/mode`,
 * `/usage`, `/cancel`, `/new`, `/run`, `/pr`; any other `/command` is answered with the list
 * (it is not a request for Codex).
 */
export function registerCommands(router: Composer, engine: CommandHost): void {
  router
    .command(['start', 'help'], async (ctx) => {
      const { local } = engine;
      await ctx.reply(local ? ctx.output.markup.escape(local.helpLines(ctx.t).join('\n')) : helpText(ctx.t, ctx.output.markup));
    })
    .command('status', async (ctx) => {
      const session = engine.session(ctx);
      if (engine.local) {
        await ctx.reply(ctx.output.markup.escape((await engine.local.statusLines(session, ctx.t)).join('\n')));
        return;
      }
      const status = await engine.gateway.status();
      await ctx.reply(statusText(ctx.t, ctx.output.markup, status, session, threadText(ctx.t, engine.thread(ctx), session.lastJobId)));
    })
    .command('nodes', async (ctx) => {
      await ctx.reply(nodesText(ctx.t, ctx.output.markup, await engine.gateway.status()));
    })
    .command('usage', async (ctx) => {
      const { gateway } = engine;
      const { markup } = ctx.output;
      if (!gateway.usage) return void (await ctx.reply(markup.escape(ctx.t.usage.notHere)));
      const { platform, chatId, userId, userName } = ctx.message;
      const usage = await gateway.usage({ platform, chatId, userId, ...(userName === undefined ? {} : { userName }) }, 7).catch((error: unknown) => error as Error);
      await ctx.reply(usage instanceof Error ? markup.escape(ctx.t.usage.failed(errorText(ctx.t, usage))) : usageText(ctx.t, markup, ctx.language, usage));
    })
    .command('cancel', async (ctx) => {
      await ctx.reply(ctx.output.markup.escape(cancelText(ctx.t, await engine.cancel(ctx))));
    })
    .command('new', async (ctx) => {
      engine.reset(ctx);
      await ctx.reply(ctx.output.markup.escape(ctx.t.commands.fresh(engine.thread(ctx).waiting)));
    })
    .command('run', async (ctx) => {
      const request = parseRun(ctx.command?.args ?? '');
      if (!request) return void (await ctx.reply(ctx.output.markup.escape(ctx.t.commands.runUsage)));
      await engine.request(ctx, request);
    });
  registerPublish(router, engine);
  registerSessionCommands(router, engine);
  router.use(async (ctx, next) => {
    if (!ctx.command) return next();
    const lines = engine.local ? engine.local.helpLines(ctx.t).filter((line) => line.startsWith('/')) : commandLines(ctx.t);
    await ctx.reply(ctx.output.markup.escape([ctx.t.commands.unknown(ctx.command.name), ...lines].join('\n')));
  });
}

/** What `/cancel` says it did (plain text). */
function cancelText(t: Catalog, { jobId, abandoned, dropped }: CancelOutcome): string {
  const what = jobId !== undefined ? t.commands.cancelling(jobId) : abandoned ? t.commands.gaveUp : t.commands.nothingRunning;
  return dropped === 0 ? what : t.commands.droppedWaiting(what, dropped);
}
