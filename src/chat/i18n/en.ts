import type { Answerer, ChangeSummary, JobSummary, QuestionDecision } from '../../protocol/index.js';

type FileStatus = ChangeSummary['files'][number]['status'];
type FileKind = NonNullable<JobSummary['result']>['filesChanged'][number]['kind'];

const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

/**
 * Every English text the chat engine and the runner show. The Korean catalog has the same shape
 * (checked by the compiler and by a test), so a text added here must be added there too.
 * Texts are plain: the engine escapes them for the platform's markup.
 */
export const en = {
  states: { queued: 'queued', assigned: 'assigned', running: 'running', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled', lost: 'lost' } satisfies Record<JobSummary['status'], string>,
  fileStatus: { added: 'added', modified: 'modified', deleted: 'deleted', renamed: 'renamed', copied: 'copied', type_changed: 'type changed' } satisfies Record<FileStatus, string>,
  fileKind: { add: 'add', delete: 'delete', update: 'update' } satisfies Record<FileKind, string>,
  seconds: (value: string) => `${value} s`,
  job: {
    state: (id: number, status: string, node: string | undefined) => `Job #${id} ${status}${node === undefined ? '' : ` on ${node}`}`,
    done: (id: number, status: string, duration: string | undefined) => `Job #${id} ${status}${duration === undefined ? '' : ` in ${duration}`}`,
    waitingAnswers: (count: number) => `❓ Waiting for an answer to ${count === 1 ? 'a question' : `${count} questions`} of Codex`,
    error: (error: string) => `Error: ${error}`,
    noFiles: 'No files changed.',
    change: (count: number, added: number, removed: number) => `Change: ${plural(count, 'file')}, +${added} −${removed}`,
    onBranch: (branch: string) => ` on ${branch}`,
    truncated: "Truncated: the diff was cut at the node's size limit (the stat is complete).",
    changedFile: (path: string, status: string, stat: string) => `• ${path} (${status}, ${stat})`,
    binary: 'binary',
    more: (count: number) => `… and ${count} more`,
    reportedFiles: (count: number) => `Files changed (${count})`,
    reportedFile: (path: string, kind: string, stat: string) => `• ${path} (${kind}${stat})`,
    pullRequest: (number: number) => `Pull request #${number}`,
    branchPushed: (branch: string) => `Branch ${branch} pushed.`,
    publishFailed: (error: string) => `Publishing failed: ${error}`,
    diffLink: (id: number) => `Job #${id}'s diff in the dashboard`,
    jobLink: (id: number) => `Job #${id} in the dashboard`,
    diffCaption: (id: number, files: number, added: number, removed: number) => `Job #${id}: ${plural(files, 'file')} changed, +${added} −${removed}`,
    outboxCaption: (id: number) => `From job #${id}'s outbox`,
  },
  pipeline: {
    roles: { planner: 'planner', coder: 'coder', reviewer: 'reviewer' } as Record<string, string>,
    step: (step: number, steps: number, role: string) => `${step}/${steps} ${role}`,
    stepDone: (step: number, steps: number, role: string, id: number) => `${step}/${steps} ${role} (job #${id}) done; the next step starts`,
    steps: (steps: string) => `Steps: ${steps}`,
    verdict: (role: string) => `The ${role}'s verdict:`,
  },
  gateway: {
    statusLate: (seconds: number, connected: boolean) =>
      connected ? `the master did not answer within ${seconds} s; try again in a moment.` : `the master is out of reach (no answer within ${seconds} s); the bridge keeps reconnecting, try again in a moment.`,
    publishLate: (seconds: number) => `no outcome within ${seconds} s; the job's page in the dashboard shows it once the node answers.`,
    answerLate: (seconds: number, connected: boolean) =>
      connected ? `the master did not answer within ${seconds} s; the message shows the decision once it is made.` : `the master is out of reach (no answer within ${seconds} s); the answer goes out once it is back.`,
    fileTooLarge: (name: string, megabytes: string, limit: string) => `${name} is ${megabytes} MB; files up to ${limit} MB can go with a request.`,
    notStored: (name: string, seconds: number, connected: boolean) =>
      connected ? `${name} was not stored within ${seconds} s; try again in a moment.` : `${name} was not stored: the master is out of reach (no answer within ${seconds} s); try again once it is back.`,
    usageLate: (seconds: number, connected: boolean) =>
      connected ? `no usage figures came within ${seconds} s; try again in a moment.` : `no usage figures came: the master is out of reach (no answer within ${seconds} s); try again once it is back.`,
    submitLate: (seconds: number, connected: boolean) =>
      connected
        ? `The master did not answer within ${seconds} s; the request may still run: /status shows it, and if it does, its progress and result appear here.`
        : `No answer within ${seconds} s: the master is out of reach. The request goes out once it is back, and its progress and result appear here then.`,
    noPublication: "the master answered without saying where the change went; the job's page in the dashboard shows it.",
  },
  engine: {
    sending: '⏳ Sending to Codex…',
    wentWrong: (message: string) => `Something went wrong: ${message}`,
    unauthorized: (hint: string) => `Unauthorized. ${hint}`,
    slackInviteHint: (error: string) => `${error}: invite the bot to this channel (/invite), or write to it directly.`,
    telegramAccessHint: (chatId: string, userId: string) =>
      `This chat's id is ${chatId} (your user id: ${userId}); add it to TELEGRAM_ALLOWED_CHATS or the dashboard's Telegram allowed chats.`,
    slackAccessHint: (userId: string, channel: string) =>
      `Your user id is ${userId} and this channel is ${channel}; add one of them to SLACK_ALLOWED_USERS or SLACK_ALLOWED_CHANNELS (or the dashboard's Slack settings).`,
    couldNotStart: (message: string) => `❌ Could not start the job: ${message}`,
    startedAfterAll: (id: number) => `Job #${id} started after all; cancelling it, as /cancel asked.`,
    dropped: '🛑 Not run: /cancel dropped this request.',
    queued: (behind: string, several: boolean) => `⏳ Queued behind ${behind}; it starts once ${several ? 'they have' : 'that has'} finished.`,
    behindSubmit: 'the request before it',
    behindJob: (id: number) => `job #${id}`,
    behindOthers: (first: string, others: number) => `${first} and ${plural(others, 'other request')}`,
    lineFull: (ahead: number, id: number | undefined) =>
      `This thread already has ${ahead} requests waiting behind ${id === undefined ? 'the one being sent' : `job #${id}`}; send this one again once they have run, or /cancel them all.`,
  },
  files: {
    tooLarge: (name: string, size: string, limit: string) => `📎 ${name} is ${size}; files up to ${limit} can be sent with a request. Nothing was run.`,
    notSupported: '📎 Files cannot be sent to Codex here: send the request as text.',
    uploadFailed: (name: string, message: string) => `📎 Could not upload ${name}: ${message}`,
    onlyFiles: 'Look at the attached files.',
    transcript: (text: string) => `🎙️ ${text}`,
    noTranscriber: '🎙️ Voice notes need a transcription service: set CHAT_TRANSCRIBE_URL (an OpenAI-compatible /v1 endpoint, e.g. https://api.openai.com/v1) and CHAT_TRANSCRIBE_API_KEY, then restart the bot. Send the request as text meanwhile.',
    transcribeFailed: (message: string) => `🎙️ Could not transcribe the voice note: ${message}`,
    emptyTranscript: '🎙️ The voice note had no words in it; nothing was run.',
    megabytes: (value: string) => `${value} MB`,
  },
  commands: {
    help: 'Write a request and Codex works on it; reply in the same thread to continue the conversation.',
    title: 'Codex Super Client',
    list: {
      start: 'this help',
      help: 'this help',
      status: "mode, profile, last run, and the nodes' Codex",
      nodes: 'connected nodes',
      profile: 'list the profiles, or choose one for this thread',
      mode: 'one conversation, or the planner → coder → reviewer pipeline',
      usage: "today's tokens against the budgets, and the last 7 days",
      run: 'run on a node, in a repository',
      cancel: "stop this thread's job and drop the requests waiting behind it",
      new: 'start a fresh Codex conversation',
      pr: "open a pull request for this thread's last job (/pr branch: push its branch only)",
    },
    unknown: (name: string) => `There is no /${name} command. These are:`,
    runUsage: 'Usage: /run @node [owner/repo] prompt',
    cancelling: (id: number) => `Cancelling job #${id}…`,
    gaveUp: 'Gave up on the request the master has not answered: if it starts after all, it is cancelled at once.',
    nothingRunning: 'Nothing is running in this thread.',
    droppedWaiting: (what: string, count: number) => `${what} Dropped the ${plural(count, 'request')} waiting behind it: send again what you still want run.`,
    fresh: (waiting: number) =>
      `Fresh start: the next request begins a new Codex conversation.${waiting === 0 ? '' : waiting === 1 ? ' The request waiting in this thread starts it.' : ` The ${waiting} requests waiting in this thread start it.`}`,
  },
  profiles: {
    header: 'Profiles:',
    none: 'There are no profiles yet: add them in the dashboard (Profiles) or in MASTER_PROFILES_FILE.',
    unknown: (name: string, names: string) => `No profile "${name}". Profiles: ${names}`,
    chosen: (name: string) => `Profile: ${name}`,
    cleared: 'Profile: none (the master and node defaults).',
    modeUsage: (mode: string) => `Usage: /mode single|multi (now ${mode})`,
    mode: (mode: string) => `Mode: ${mode}`,
  },
  status: {
    title: 'Status',
    master: (version: string, since: string) => `Master ${version}, up since ${since}`,
    nodes: (online: number, all: number, queued: number, running: number) => `Nodes: ${online} online of ${all}; jobs queued ${queued}, running ${running}`,
    thread: (what: string) => `This thread: ${what}`,
    mode: (mode: string) => `Mode: ${mode}`,
    profile: (name: string | undefined) => `Profile: ${name ?? 'none'}`,
    lastRun: (id: number, status: string, at: string) => `Last run: job #${id} ${status} at ${at}`,
    noRun: 'Last run: none',
    node: (name: string, status: string, codex: string | undefined) => `• ${name} (${status}): ${codex === undefined ? 'no Codex' : `Codex ${codex}`}`,
    nodeStatus: { online: 'online', unresponsive: 'unresponsive' } as Record<string, string>,
    running: (id: number, waiting: number) => `job #${id} running${waiting === 0 ? '' : `, ${plural(waiting, 'request')} waiting behind it`}`,
    submitting: (waiting: number) => `a request sent, waiting for the master's answer${waiting === 0 ? '' : `, ${plural(waiting, 'request')} waiting behind it`}`,
    last: (id: number) => `last job #${id}; the next request continues it`,
    noJob: 'no job yet',
    noNodes: 'No nodes are connected.',
    nodesTitle: (count: number) => `Nodes (${count})`,
    nodeLine: (name: string, status: string, slots: number, running: string, tags: string) => `• ${name} (${status}, ${slots} slots${running})${tags}`,
    nodeRunning: (ids: string) => `, running ${ids}`,
  },
  usage: {
    notHere: 'Usage is not recorded here: /usage works through the bridge (csc bridge), whose master records every job.',
    title: 'Usage today (UTC)',
    line: (who: string, used: string, budget: string | undefined) => `${who}: ${used} tokens${budget === undefined ? '' : ` of ${budget}`}`,
    you: 'You',
    chat: 'This chat',
    master: 'Everyone',
    days: (from: string, to: string) => `By day, ${from} – ${to}`,
    day: (day: string, tokens: string, jobs: number) => `${day}: ${tokens} tokens, ${plural(jobs, 'job')}`,
    total: (tokens: string, jobs: number) => `Total: ${tokens} tokens, ${plural(jobs, 'job')}`,
    failed: (message: string) => `Could not get the usage: ${message}`,
  },
  publish: {
    usage: "Usage: /pr opens a pull request for this thread's last job; /pr branch only pushes its branch.",
    bridgeOnly:
      '/pr works only through the bridge (csc bridge), whose nodes keep each job\'s branch and hold the GitHub credential. This bot runs Codex on its own host and has no branch to publish.',
    doing: (id: number, mode: 'pr' | 'branch') => `📤 Publishing job #${id}: the node ${mode === 'pr' ? 'pushes its branch and opens a pull request' : 'pushes its branch'}…`,
    stillRunning: (id: number) => `Job #${id} is still running: /pr publishes it once it has finished.`,
    noJob: 'No finished job in this thread yet: /pr publishes the last one once it has finished.',
    published: (id: number) => `✅ Job #${id} published`,
    notPublished: (id: number) => `❌ Job #${id} not published`,
    notPublishedBecause: (id: number, message: string) => `❌ Job #${id} not published: ${message}`,
  },
  questions: questionTexts(),
  runner: runnerTexts(),
};

/** The texts of Codex's questions (a function, so that `en` stays readable). */
function questionTexts() {
  const decisions: Record<QuestionDecision, string> = { accept: 'Approved once', acceptForSession: 'Approved for this job', decline: 'Denied', cancel: 'Denied and stopped' };
  return {
    head: (id: number, what: string) => `❓ Job #${id} ${what}`,
    reason: (reason: string) => `Reason: ${reason}`,
    runCommand: 'asks to run a command',
    writeStdin: 'asks to write to a running command',
    inDir: (cwd: string) => `in ${cwd}`,
    changeFiles: (count: number) => (count === 0 ? 'asks to change files' : `asks to change ${plural(count, 'file')}`),
    changedFile: (path: string, kind: string, added: number, removed: number) => `• ${path} (${kind}, +${added} −${removed})`,
    grantRoot: (root: string) => `and to write under ${root} for the rest of the job`,
    permissions: 'asks for more permissions',
    asksYou: 'asks you',
    elicitation: (server: string) => `has a question from the MCP server ${server}`,
    toolCall: (tool: string) => `asks this client to run the tool ${tool}`,
    noTools: (hint: string) => `This client runs no tools of its own. ${hint}`,
    unknown: (method: string) => `sent a request this client does not know (${method})`,
    declineOnly: 'It can only be declined.',
    textHintHere: 'Here it can only be denied.',
    textHintDashboard: 'A text answer goes through the dashboard, or csc job answer <job> <text>.',
    cut: '… (cut to fit one message)',
    waits: (wait: string) => `⏳ Waiting up to ${wait} for an answer; then it is declined.`,
    minutes: (count: number) => `${count} min`,
    secondsShort: (count: number) => `${count} s`,
    aWhile: 'a while',
    via: { telegram: 'Telegram', slack: 'Slack', dashboard: 'the dashboard', cli: 'the CLI', api: 'the API', runner: 'the runner', timeout: 'timeout', node: 'the node' } satisfies Record<Answerer['via'], string>,
    decisions,
    elicitationDecisions: { accept: 'Accepted', acceptForSession: 'Accepted for this job', decline: 'Declined', cancel: 'Cancelled' } satisfies Record<QuestionDecision, string>,
    answered: 'Answered',
    answeredWith: (given: string) => `Answered "${given}"`,
    withText: (text: string) => `: "${text}"`,
    endedJob: '🚫 No longer asked: the job ended.',
    movedOn: '🚫 No longer asked: the job moved on (its attempt ended).',
    timedOut: (what: string, at: string) => `⌛ ${what}: nobody answered in time (${at}).`,
    noLongerWaited: (icon: string, what: string, via: string, at: string) => `${icon} ${what} by ${via}: the run no longer waited (${at}).`,
    decidedBy: (icon: string, what: string, who: string, at: string) => `${icon} ${what} by ${who} at ${at}.`,
    whoVia: (who: string, via: string) => `${who} (${via})`,
    buttons: { accept: 'Approve once', acceptForSession: 'Approve for this job', decline: 'Deny', cancel: 'Deny and stop' } satisfies Record<QuestionDecision, string>,
    elicitationButtons: { accept: 'Accept', acceptForSession: 'Accept for this job', decline: 'Decline', cancel: 'Cancel' } satisfies Record<QuestionDecision, string>,
    notMine: 'This button is not one of mine.',
    mayNotAnswer: (userId: string) => `You may not answer Codex's questions here (your user id: ${userId}).`,
    closed: 'This question is no longer open.',
    couldNotAnswer: (message: string) => `Could not answer: ${message}`,
  };
}

/** The standalone runner's own texts (`csc telegram`). */
function runnerTexts() {
  const decisions: Record<QuestionDecision, string> = { accept: 'approved once', acceptForSession: 'approved for this job', decline: 'denied', cancel: 'denied and stopped' };
  return {
    help: [
      "Codex over Telegram. Write a request and Codex works on it in this session's conversation.",
      '/start — this help',
      '/status — mode, profile, recent run and codex_mcp status',
      '/profile list|<name> — list or switch profiles',
      '/mode single|multi — one conversation, or the planner → coder → reviewer pipeline',
      '/cancel — stop the current run',
      '/new — reset this session',
    ],
    unauthorized: (userId: string, confPath: string) => `Your user id is ${userId}: add it to [telegram] allowed_users in ${confPath}.`,
    mode: (mode: string) => `mode: ${mode}`,
    profile: (name: string, model: string | undefined, dir: string | undefined) => `profile: ${name} (model ${model ?? 'Codex default'}, ${dir ?? '?'})`,
    recentRun: (id: number, status: string, at: string, summary: string | undefined) => `recent run: #${id} ${status} at ${at}${summary === undefined ? '' : ` — ${summary}`}`,
    noRecentRun: 'recent run: none',
    running: (id: number | undefined) => (id === undefined ? 'running: nothing' : `running: job #${id}`),
    mcp: (line: string) => `codex_mcp: ${line}`,
    step: (step: number, steps: number, name: string) => `step ${step}/${steps}: ${name}`,
    decisions,
    notRunning: (id: number) => `Job #${id} is not running any more; its questions are closed.`,
    noQuestion: (id: number, question: string) => `Job #${id} has no question ${question}.`,
    mayNotAnswer: (id: number) => `You may not answer the questions of job #${id}.`,
    alreadyDecided: (what: string) => `Already decided: ${what}.`,
    answered: (id: number, decision: string) => `Job #${id}: ${decision}.`,
    noLongerAsked: 'the question is no longer asked',
    decidedBy: (decision: string, who: string | undefined) => `${decision}${who === undefined ? '' : ` by ${who}`}`,
    timedOut: (seconds: number) => `Codex run timed out after ${seconds} s (mcp_client_timeout_seconds)`,
  };
}

/** The catalog's shape: every language has every text, with the same parameters. */
export type Catalog = typeof en;
