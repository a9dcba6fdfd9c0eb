import type { ThreadView } from './command-host.js';
import type { Catalog, Language } from './i18n/index.js';
import { catalogOf } from './i18n/index.js';
import type { Markup } from './markup.js';
import type { Session } from './sessions.js';
import type { GatewayStatus, JobGateway } from './types.js';

type UsageAnswer = Awaited<ReturnType<NonNullable<JobGateway['usage']>>>;

/** The commands of the bridge, in the order `/help` and Telegram's menu show them. */
const COMMANDS = ['start', 'help', 'status', 'nodes', 'profile', 'mode', 'usage', 'run', 'cancel', 'new', 'pr'] as const;
/** How each is written with its arguments in `/help`. */
const USAGE: Record<(typeof COMMANDS)[number], string> = {
  start: '/start',
  help: '/help',
  status: '/status',
  nodes: '/nodes',
  profile: '/profile list|<name>',
  mode: '/mode single|multi',
  usage: '/usage',
  run: '/run @node [owner/repo] prompt',
  cancel: '/cancel',
  new: '/new',
  pr: '/pr',
};

/**
 * The bot's commands with their descriptions in a language, for Telegram's `setMyCommands`
 * (names are lowercase, descriptions 1–256 characters).
 */
export function botCommands(language: Language): { command: string; description: string }[] {
  const t = catalogOf(language);
  return COMMANDS.map((command) => ({ command, description: t.commands.list[command] }));
}

/** The command list (plain lines), for `/help` and an unknown command. */
export function commandLines(t: Catalog): string[] {
  return COMMANDS.filter((c) => c !== 'help').map((c) => `${USAGE[c]} — ${t.commands.list[c]}`);
}

/** `/start` and `/help`. */
export function helpText(t: Catalog, markup: Markup): string {
  return [markup.bold(t.commands.title), markup.escape(t.commands.help), ...commandLines(t).map((line) => markup.escape(line))].join('\n');
}

/** `/status`: what the thread is doing (plain text). */
export function threadText(t: Catalog, view: ThreadView, lastJobId: number | undefined): string {
  if (view.runningJobId !== undefined) return t.status.running(view.runningJobId, view.waiting);
  if (view.submitting) return t.status.submitting(view.waiting);
  return lastJobId !== undefined ? t.status.last(lastJobId) : t.status.noJob;
}

/** `/nodes`: one line per connected node. */
export function nodesText(t: Catalog, markup: Markup, status: GatewayStatus): string {
  if (status.nodes.length === 0) return markup.escape(t.status.noNodes);
  const lines = status.nodes.map((node) => {
    const tags = node.tags.length > 0 ? ` [${node.tags.join(', ')}]` : '';
    const running = node.running.length > 0 ? t.status.nodeRunning(`#${node.running.join(', #')}`) : '';
    return markup.escape(t.status.nodeLine(node.name, t.status.nodeStatus[node.status] ?? node.status, node.slots, running, tags));
  });
  return [markup.bold(t.status.nodesTitle(status.nodes.length)), ...lines].join('\n');
}

/** `/status` on the bridge: the master, this thread (mode, profile, last run, its job), and each node's Codex. */
export function statusText(t: Catalog, markup: Markup, status: GatewayStatus, session: Session, thread: string): string {
  const online = status.nodes.filter((n) => n.status === 'online').length;
  const run = session.lastRun;
  const lines = [
    t.status.master(status.master.version, status.master.startedAt),
    t.status.nodes(online, status.nodes.length, status.master.queued, status.master.active),
    t.status.thread(thread),
    t.status.mode(session.mode ?? 'single'),
    t.status.profile(session.profile),
    run ? t.status.lastRun(run.jobId, t.states[run.status as keyof Catalog['states']] ?? run.status, run.finishedAt) : t.status.noRun,
    ...status.nodes.map((node) => t.status.node(node.name, t.status.nodeStatus[node.status] ?? node.status, node.codexVersion)),
  ];
  return [markup.bold(t.status.title), ...lines.map((line) => markup.escape(line))].join('\n');
}

/** The answer to a request that finds its thread's line full (plain text). */
export function lineFullText(t: Catalog, runningJobId: number | undefined, ahead: number): string {
  return t.engine.lineFull(ahead, runningJobId);
}

/** `/usage`: today's tokens of this user, chat and the master against their budgets, then the days of the period. */
export function usageText(t: Catalog, markup: Markup, language: Language, usage: UsageAnswer): string {
  const number = (n: number) => n.toLocaleString(language === 'ko' ? 'ko-KR' : 'en-US');
  const budget = (cap: number | null | undefined) => (cap === undefined || cap === null ? undefined : number(cap));
  const { report, today } = usage;
  const lines = [
    t.usage.line(t.usage.you, number(today.user.total), budget(report.budgets.userDaily)),
    t.usage.line(t.usage.chat, number(today.chat.total), budget(report.budgets.chatDaily)),
    t.usage.line(t.usage.master, number(today.master.total), budget(report.budgets.masterDaily)),
  ];
  const days = report.days.map((day) => t.usage.day(day.key, number(day.tokens.total), day.jobs));
  return [
    markup.bold(t.usage.title),
    ...lines.map((line) => markup.escape(line)),
    '',
    markup.bold(t.usage.days(report.from, report.to)),
    ...days.map((line) => markup.escape(line)),
    markup.escape(t.usage.total(number(report.total.tokens.total), report.total.jobs)),
  ].join('\n');
}
