import { broadcast, credentials, overview, remoteNodes, settings } from './admin.js';
import { app, header, login, nav, states, status, units } from './common.js';
import { change, jobDetail, jobForm, jobList, jobLog, jobResult, publish } from './jobs.js';
import { questions } from './questions.js';
import { profiles, usage } from './usage.js';

/** Every English text of the dashboard, by area. */
export const en = {
  app,
  login,
  header,
  nav,
  states,
  units,
  status,
  jobForm,
  jobList,
  jobDetail,
  jobLog,
  jobResult,
  change,
  publish,
  questions,
  overview,
  broadcast,
  remoteNodes,
  credentials,
  settings,
  profiles,
  usage,
};

/** The shape every language's catalog has: the same keys, the same parameters. */
export type Catalog = typeof en;
