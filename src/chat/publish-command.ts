import type { CommandHost } from './command-host.js';
import { publishedText } from './format.js';
import type { ChatContext, Composer } from './router.js';
import { errorText, type JobGateway, type PublishMode } from './types.js';


/** `/pr [branch]`: publishes the thread's last job through the gateway, and answers with the outcome. */
export function registerPublish(router: Composer, engine: CommandHost): void {
  router.command('pr', (ctx) => publish(ctx, engine));
}

async function publish(ctx: ChatContext, engine: CommandHost): Promise<void> {
  const { markup } = ctx.output;
  const { t } = ctx;
  const request = requestOf(ctx, engine);
  if ('refusal' in request) {
    await ctx.reply(markup.escape(request.refusal));
    return;
  }
  const { jobId, mode, send } = request;
  await ctx.reply(markup.escape(t.publish.doing(jobId, mode)));
  let answer: string;
  try {
    answer = publishedText(t, markup, jobId, await send(jobId, mode));
  } catch (error) {
    answer = markup.escape(t.publish.notPublishedBecause(jobId, errorText(t, error)));
  }
  // A new message rather than an edit: publishing takes a while, and its outcome should notify.
  await ctx.reply(answer);
}

type PublishRequest = { refusal: string } | { jobId: number; mode: PublishMode; send: NonNullable<JobGateway['publishJob']> };

/** What `/pr` publishes: the thread's last finished job; or why it publishes nothing. */
function requestOf(ctx: ChatContext, engine: CommandHost): PublishRequest {
  const { gateway } = engine;
  const { t } = ctx;
  if (!gateway.publishJob) return { refusal: t.publish.bridgeOnly };
  const mode = modeOf(ctx.command?.args ?? '');
  if (mode === undefined) return { refusal: t.publish.usage };
  const running = engine.thread(ctx).runningJobId;
  if (running !== undefined) return { refusal: t.publish.stillRunning(running) };
  const jobId = engine.session(ctx).lastRun?.jobId;
  if (jobId === undefined) return { refusal: t.publish.noJob };
  return { jobId, mode, send: gateway.publishJob.bind(gateway) };
}

function modeOf(args: string): PublishMode | undefined {
  const word = args.trim().toLowerCase();
  if (word === '' || word === 'pr') return 'pr';
  return word === 'branch' ? 'branch' : undefined;
}
