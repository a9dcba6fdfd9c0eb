import { helpText, nodesText, statusText } from './format.js';
import type { Composer } from './router.js';
import type { ChatEngine, CodexRequest } from './engine.js';

/** `/run @node [owner/repo] prompt` → the request, or undefined when it does not parse. */
export function parseRun(args: string): CodexRequest | undefined {
  const match = /^@(\S+)\s+(?:((?:https:\/\/\S+)|(?:\/\S+)|(?:[\w.-]+\/[\w.-]+))\s+)?([\s\S]+)$/.exec(args.trim());
  if (!match) return undefined;
  const [, node, repo, prompt] = match;
  if (node === undefined || prompt === undefined) return undefined;
  return { node, prompt: prompt.trim(), ...(repo === undefined ? {} : { repo }) };
}

/** The commands every platform has: `/start`, `/help`, `/status`, `/nodes`, `/cancel`, `/new`, `/run`. */
export function registerCommands(router: Composer, engine: ChatEngine): void {
  router
    .command(['start', 'help'], async (ctx) => {
      await ctx.reply(helpText(ctx.output.markup));
    })
    .command('status', async (ctx) => {
      const status = await engine.gateway.status();
      const { runningJobId, lastJobId } = engine.session(ctx);
      const thread =
        runningJobId !== undefined ? `job #${runningJobId} running` : lastJobId !== undefined ? `last job #${lastJobId}; the next request continues it` : 'no job yet';
      await ctx.reply(statusText(ctx.output.markup, status, thread));
    })
    .command('nodes', async (ctx) => {
      await ctx.reply(nodesText(ctx.output.markup, await engine.gateway.status()));
    })
    .command('cancel', async (ctx) => {
      const { runningJobId } = engine.session(ctx);
      const { markup } = ctx.output;
      if (runningJobId === undefined) {
        await ctx.reply(markup.escape('Nothing is running in this thread.'));
        return;
      }
      await engine.gateway.cancel(runningJobId);
      await ctx.reply(markup.escape(`Cancelling job #${runningJobId}…`));
    })
    .command('new', async (ctx) => {
      engine.reset(ctx);
      await ctx.reply(ctx.output.markup.escape('Fresh start: the next request begins a new Codex conversation.'));
    })
    .command('run', async (ctx) => {
      const request = parseRun(ctx.command?.args ?? '');
      if (!request) {
        await ctx.reply(ctx.output.markup.escape('Usage: /run @node [owner/repo] prompt'));
        return;
      }
      await engine.request(ctx, request);
    });
}
