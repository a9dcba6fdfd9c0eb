export { Backoff } from './backoff.js';
export { formatMessage, runConsole, type ChatConsole } from './console.js';
export { loadNodeId } from './node-id.js';
export { NodeAgent, NodeAgentError, type AgentMessage, type NodeAgentOptions } from './node-agent.js';
export { EchoExecutor, type Executor, type RunContext } from './executor.js';
export { JobRunner } from './job-runner.js';
export { createNodeWorker, type NodeWorker, type NodeWorkerOptions } from './worker.js';
export { JobJournal, type JournaledJob } from './job-journal.js';
export { WorkspaceError, Workspaces, type WorkspacesOptions } from './workspaces.js';
