export { SlackAdapter, type SlackAdapterOptions } from './slack-adapter.js';
export { SLACK_LIMIT, SlackOutput } from './slack-output.js';
