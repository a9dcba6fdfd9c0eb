import type { CommandHost } from './command-host.js';
import { publishedText } from './format.js';
import type { ChatContext, Composer } from './router.js';
import type { JobGateway, PublishMode } from './types.js';

const USAGE = "Usage: /pr opens a pull request for this thread's last job; /pr branch only pushes its branch.";
const BRIDGE_ONLY =
  "/pr works only through the bridge (csc bridge), whose nodes keep each job's branch and hold the GitHub credential. This bot runs Codex on its own host and has no branch to publish.";
const DOING: Record<PublishMode, string> = { pr: 'pushes its branch and opens a pull request', branch: 'pushes its branch' };

/** `/pr [branch]`: publishes the thread's last job through the gateway, and answers with the outcome. */
export function registerPublish(router: Composer, engine: CommandHost): void {
  router.command('pr', (ctx) => publish(ctx, engine));
}

async function publish(ctx: ChatContext, engine: CommandHost): Promise<void> {
  const { markup } = ctx.output;
  const request = requestOf(ctx, engine);
  if ('refusal' in request) {
    await ctx.reply(markup.escape(request.refusal));
    return;
  }
  const { jobId, mode, send } = request;
  await ctx.reply(markup.escape(`📤 Publishing job #${jobId}: the node ${DOING[mode]}…`));
  let answer: string;
  try {
    answer = publishedText(markup, jobId, await send(jobId, mode));
  } catch (error) {
    answer = markup.escape(`❌ Job #${jobId} not published: ${(error as Error).message}`);
  }
  // A new message rather than an edit: publishing takes a while, and its outcome should notify.
  await ctx.reply(answer);
}

type PublishRequest = { refusal: string } | { jobId: number; mode: PublishMode; send: NonNullable<JobGateway['publishJob']> };

/** What `/pr` publishes: the thread's last finished job; or why it publishes nothing. */
function requestOf(ctx: ChatContext, engine: CommandHost): PublishRequest {
  const { gateway } = engine;
  if (!gateway.publishJob) return { refusal: BRIDGE_ONLY };
  const mode = modeOf(ctx.command?.args ?? '');
  if (mode === undefined) return { refusal: USAGE };
  const running = engine.thread(ctx).runningJobId;
  if (running !== undefined) return { refusal: `Job #${running} is still running: /pr publishes it once it has finished.` };
  const jobId = engine.session(ctx).lastRun?.jobId;
  if (jobId === undefined) return { refusal: 'No finished job in this thread yet: /pr publishes the last one once it has finished.' };
  return { jobId, mode, send: gateway.publishJob.bind(gateway) };
}

function modeOf(args: string): PublishMode | undefined {
  const word = args.trim().toLowerCase();
  if (word === '' || word === 'pr') return 'pr';
  return word === 'branch' ? 'branch' : undefined;
}
