import { z } from 'zod';
import type { Environment } from './environment.js';
import { byteSizeSchema, resolveSetting } from './settings.js';

/** How a node delivers a job's change: its commits, its diff, its branches, and its own GitHub credential. */
export interface DeliverySettings {
  /** `NODE_GIT_AUTHOR_NAME` / `NODE_GIT_AUTHOR_EMAIL`; unset: the node's default (`Codex Super Client <csc@host>`). */
  authorName: string | undefined;
  authorEmail: string | undefined;
  /** `NODE_DIFF_MAX_BYTES`: the most of a job's diff sent to the master; unset: the node's default (5 MiB). */
  diffMaxBytes: number | undefined;
  /** `NODE_BRANCH_RETENTION_DAYS`: job branches older than this are pruned from the node's cache. */
  branchRetentionDays: number;
  github: {
    /** `GITHUB_TOKEN`: only this node holds it; it reaches git as config in git's environment and the API as a header. */
    token: string | undefined;
    /** `GITHUB_API_URL`; unset: https://api.github.com. */
    apiUrl: string | undefined;
  };
}

const nameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').regex(/^[^<>\n]+$/, 'must not contain <, > or a line break');
const emailSchema = z.string().trim().regex(/^[^\s<>@]+@[^\s<>@]+$/, 'must be an e-mail address (name@host)');
const daysSchema = z.coerce.number({ message: 'must be a number of days' }).int('must be a whole number of days').min(1, 'must be at least 1');
const githubTokenSchema = z.string().trim().regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
const apiUrlSchema = z
  .string()
  .trim()
  .url('must be an http(s) URL, e.g. https://github.example.com/api/v3')
  .refine((url) => /^https?:\/\//.test(url), 'must be an http(s) URL')
  .transform((url) => url.replace(/\/+$/, ''));

/** The node's delivery settings: environment > `.env` > default. */
export function resolveDeliverySettings(env: Environment): DeliverySettings {
  const optional = <T>(key: string, schema: z.ZodType<T>): T | undefined => resolveSetting({ env: key, schema: schema.optional(), fallback: () => undefined }, undefined, env);
  return {
    authorName: optional('NODE_GIT_AUTHOR_NAME', nameSchema),
    authorEmail: optional('NODE_GIT_AUTHOR_EMAIL', emailSchema),
    diffMaxBytes: optional('NODE_DIFF_MAX_BYTES', byteSizeSchema),
    branchRetentionDays: resolveSetting({ env: 'NODE_BRANCH_RETENTION_DAYS', schema: daysSchema, fallback: () => 30 }, undefined, env),
    github: { token: optional('GITHUB_TOKEN', githubTokenSchema), apiUrl: optional('GITHUB_API_URL', apiUrlSchema) },
  };
}
