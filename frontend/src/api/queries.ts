import { useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { QuestionState } from './question-types';
import type { BridgeConfig, Credential, Health, Job, JobPage, NodeInfo, ParsedDiff, RemoteNodeList } from './types';
import type { Budgets, NamedProfile, UsageReport } from './usage-types';

/** Query keys, one place: live events write to the same entries the views read. */
export const keys = {
  health: ['health'] as const,
  nodes: ['nodes'] as const,
  config: ['config'] as const,
  remoteNodes: ['remote-nodes'] as const,
  credentials: ['credentials'] as const,
  jobs: ['jobs'] as const,
  profiles: ['profiles'] as const,
  usage: (days: number) => ['usage', days] as const,
  budgets: ['budgets'] as const,
  job: (id: number) => ['job', id] as const,
  jobDiff: (id: number) => ['job-diff', id] as const,
};

const JOB_PAGE = 50;

export const useHealth = () =>
  // Polled slowly: the version and start time change only on a restart, which the live stream notices.
  useQuery({ queryKey: keys.health, queryFn: () => api<Health>('/health'), refetchInterval: 60_000 });

export const useNodes = () => useQuery({ queryKey: keys.nodes, queryFn: async () => (await api<{ nodes: NodeInfo[] }>('/nodes')).nodes });

export const useConfig = () => useQuery({ queryKey: keys.config, queryFn: () => api<BridgeConfig>('/config') });

export const useRemoteNodes = () => useQuery({ queryKey: keys.remoteNodes, queryFn: () => api<RemoteNodeList>('/remote-nodes') });

export const useCredentials = () =>
  useQuery({ queryKey: keys.credentials, queryFn: async () => (await api<{ tokens: Credential[] }>('/tokens')).tokens });

export const useProfiles = () =>
  useQuery({ queryKey: keys.profiles, queryFn: async () => (await api<{ profiles: NamedProfile[] }>('/profiles')).profiles });

export const useUsage = (days: number) => useQuery({ queryKey: keys.usage(days), queryFn: () => api<UsageReport>(`/usage?days=${days}`) });

export const useBudgets = () => useQuery({ queryKey: keys.budgets, queryFn: () => api<Budgets>('/budgets') });

export const useJob = (id: number) => useQuery({ queryKey: keys.job(id), queryFn: ({ client }) => readJob(client, id) });

/**
 * A job as the master gives it, unless a live update wrote it while the read was on its way. The
 * master may have answered the read before that change (the read each stream connection makes
 * races the stream's first events); taken late, it would take a pending question off the page, and
 * what someone typed into it. Whatever the read saw that the update did not, the stream brings
 * next; if the stream is down, its reconnection reads everything again.
 */
async function readJob(client: QueryClient, id: number): Promise<Job> {
  const asked = Date.now();
  const read = await api<Job>(`/jobs/${id}`);
  const held = client.getQueryState<Job>(keys.job(id));
  return held?.data !== undefined && held.dataUpdatedAt >= asked ? held.data : read;
}

/** A finished job's diff, parsed by the master; asked for only once the job has a change to show. */
export const useJobDiff = (id: number, enabled: boolean) =>
  useQuery({ queryKey: keys.jobDiff(id), queryFn: () => api<ParsedDiff>(`/jobs/${id}/diff?format=json`), enabled });

export const useJobs = () =>
  useInfiniteQuery({
    queryKey: keys.jobs,
    queryFn: ({ pageParam }) => api<JobPage>(`/jobs?limit=${JOB_PAGE}${pageParam === null ? '' : `&before=${pageParam}`}`),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next,
  });

/** Puts a node's latest state into the node list (or takes it out when it left). */
export function applyNodeEvent(client: QueryClient, event: 'connected' | 'updated' | 'disconnected', node: NodeInfo): void {
  client.setQueryData<NodeInfo[]>(keys.nodes, (nodes) => {
    if (nodes === undefined) return nodes;
    const others = nodes.filter((n) => n.id !== node.id);
    return event === 'disconnected' ? others : [...others, node].sort((a, b) => a.name.localeCompare(b.name));
  });
}

/** Puts a job's latest state into its own entry and into the list (new jobs go on top). */
export function applyJob(client: QueryClient, job: Job): void {
  client.setQueryData(keys.job(job.id), job);
  client.setQueryData<InfiniteData<JobPage, number | null>>(keys.jobs, (data) => {
    if (data === undefined) return data;
    let found = false;
    const pages = data.pages.map((page) => ({
      ...page,
      jobs: page.jobs.map((j) => {
        if (j.id !== job.id) return j;
        found = true;
        return job;
      }),
    }));
    const first = pages[0];
    if (!found && first !== undefined && newer(job, first.jobs[0])) first.jobs = [job, ...first.jobs];
    return { ...data, pages };
  });
}

/**
 * Whether `job` comes before `than` in the list, newest first by creation time, then id: masters
 * sharing a database number their jobs in blocks each, so a newer job may have a smaller id.
 */
function newer(job: Job, than: Job | undefined): boolean {
  if (than === undefined) return true;
  return job.createdAt === than.createdAt ? job.id > than.id : job.createdAt > than.createdAt;
}

/**
 * Puts the state an answer returned into its job, unless the job already holds a decided state
 * for it: the live stream may have brought a later one (delivered, or someone else's) first.
 */
export function applyQuestion(client: QueryClient, jobId: number, state: QuestionState): void {
  const job = client.getQueryData<Job>(keys.job(jobId));
  if (job?.questions === undefined) return;
  const questions = job.questions.map((s) => (s.question.id === state.question.id && s.status === 'pending' ? state : s));
  applyJob(client, { ...job, questions });
}
