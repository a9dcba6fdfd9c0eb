import type { Catalog } from '../en/index.js';
import { broadcast, credentials, overview, remoteNodes, settings } from './admin.js';
import { app, header, login, nav, states, status, units } from './common.js';
import { change, jobDetail, jobForm, jobList, jobLog, jobResult, publish } from './jobs.js';
import { questions } from './questions.js';
import { profiles, usage } from './usage.js';

/** Every Korean text of the dashboard: typed as the English catalog, so none can be missing. */
export const ko: Catalog = {
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
