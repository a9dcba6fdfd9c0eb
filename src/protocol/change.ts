import { z } from 'zod';

/** How a job's change leaves the node: a pushed branch, or a pushed branch and a pull request. */
export const PublishModeSchema = z.enum(['branch', 'pr']);
export type PublishMode = z.infer<typeof PublishModeSchema>;

/** One file of a job's change, as `git diff --numstat -M` sees it (binary files have no line counts). */
export const DiffFileSchema = z.object({
  path: z.string(),
  /** The path before a rename or copy. */
  oldPath: z.string().optional(),
  status: z.enum(['added', 'modified', 'deleted', 'renamed', 'copied', 'type_changed']),
  added: z.number().int().min(0),
  removed: z.number().int().min(0),
  binary: z.boolean(),
});
export type DiffFile = z.infer<typeof DiffFileSchema>;

/**
 * What a job changed in its working directory: the stat of every file (always complete) and where
 * the change lives. The unified diff itself travels as `diff` events, cut at the node's size cap.
 */
export const ChangeSummarySchema = z.object({
  /** The commit the job started from. */
  baseCommit: z.string(),
  /** The commit the node made on `branch` (absent when nothing was committed: no change, or no repository). */
  headCommit: z.string().optional(),
  /** `csc/job-<id>` (or the branch a follow-up continued). */
  branch: z.string().optional(),
  files: z.array(DiffFileSchema),
  added: z.number().int().min(0),
  removed: z.number().int().min(0),
  /** Size of the whole unified diff, before any cut. */
  diffBytes: z.number().int().min(0),
  /** The diff events stop short of the whole diff (past the node's cap); the stat is still complete. */
  truncated: z.boolean(),
});
export type ChangeSummary = z.infer<typeof ChangeSummarySchema>;

/** Where a job's change was published, or why it could not be. */
export const PublicationSchema = z.object({
  mode: PublishModeSchema,
  branch: z.string(),
  /** Set once the branch is pushed. */
  pushedAt: z.string().optional(),
  pullRequest: z.object({ number: z.number().int().positive(), url: z.string() }).optional(),
  /** Why publishing failed, in plain words (the diff is kept either way). */
  error: z.string().optional(),
});
export type Publication = z.infer<typeof PublicationSchema>;

/** A job event: one part of the job's unified diff, in order (`part` 1..`parts`). */
export const DiffEventSchema = z.object({
  kind: z.literal('diff'),
  part: z.number().int().positive(),
  parts: z.number().int().positive(),
  text: z.string(),
});

/** Master → node: push (and open a pull request for) a finished job's branch. */
export const JobPublishFrameSchema = z.object({
  type: z.literal('job_publish'),
  requestId: z.string().min(1).max(128),
  jobId: z.number().int().positive(),
  mode: PublishModeSchema,
  repo: z.string(),
  branch: z.string(),
  /** The pull request's base: the job's ref, or the repository's default branch when absent. */
  base: z.string().optional(),
  title: z.string().max(256),
  body: z.string().max(65_536),
});

/** Node → master: how a `job_publish` went. */
export const JobPublishedFrameSchema = z.object({
  type: z.literal('job_published'),
  requestId: z.string().min(1).max(128),
  jobId: z.number().int().positive(),
  publication: PublicationSchema,
});

export type JobPublishFrame = z.infer<typeof JobPublishFrameSchema>;
export type JobPublishedFrame = z.infer<typeof JobPublishedFrameSchema>;
