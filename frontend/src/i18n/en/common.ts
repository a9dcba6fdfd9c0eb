/** English: the shell of the dashboard (sign-in, header, navigation, shared states, units). */

export const app = {
  signingIn: 'Signing in…',
  storedRefused: 'The master no longer accepts the stored token. Sign in again.',
  linkRefused: "The login link's token was refused: it may be from an earlier start of the master. Open the link it printed last, or paste the token.",
  linkFailed: (reason: string) => `Could not sign in with the login link. ${reason}`,
  signedOut: 'Signed out.',
  refused: 'The master refused this token. Check it and try again.',
  unreachable: 'The master cannot be reached. Is it running?',
};

export const login = {
  before: 'Open the login link the master printed when it started, or paste the admin token (the file ',
  between: " in the master's data directory, or ",
  after: ').',
  label: 'Admin token',
  empty: 'Enter the admin token.',
  checking: 'Checking…',
  signIn: 'Sign in',
  kept: 'The token is kept in this tab only, until you sign out or close it.',
};

export const header = {
  master: 'Master',
  unreachable: 'unreachable',
  masterFacts: (status: string, version: string, uptime: string) => `${status} · v${version} · up ${uptime}`,
  nodes: 'Nodes',
  connected: (count: number) => `${count} connected`,
  saved: 'Settings saved',
  never: 'never',
  live: { connecting: 'Connecting…', live: 'Live', offline: 'Offline, reconnecting…' },
  signOut: 'Sign out',
  language: 'Language',
};

export const nav = {
  sections: 'Sections',
  skip: 'Skip to content',
  overview: 'Nodes',
  jobs: 'Jobs',
  profiles: 'Profiles',
  usage: 'Usage',
  settings: 'Bridge settings',
  remoteNodes: 'Remote nodes',
  credentials: 'Credentials',
  notFound: 'Not found',
  title: (page: string) => `${page} · Codex Super Client`,
  noPage: 'There is no page here.',
  goHome: 'Go to the nodes',
};

export const states = {
  loading: (what: string) => `Loading ${what}…`,
  tryAgain: 'Try again',
};

export const units = {
  justNow: 'just now',
  ago: (span: string) => `${span} ago`,
  seconds: (n: number) => `${n} s`,
  minutes: (n: number) => `${n} min`,
  hoursMinutes: (h: number, m: number) => `${h} h ${m} min`,
  daysHours: (d: number, h: number) => `${d} d ${h} h`,
  milliseconds: (n: number) => `${n} ms`,
  decimalSeconds: (n: string) => `${n} s`,
};

/** Status words on badges: nodes, jobs, remote nodes. */
export const status: Record<string, string> = {
  online: 'online',
  unresponsive: 'unresponsive',
  maintenance: 'maintenance',
  offline: 'offline',
  queued: 'queued',
  assigned: 'assigned',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  lost: 'lost',
};
