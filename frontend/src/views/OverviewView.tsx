import { useNodes } from '../api/queries';
import type { NodeInfo } from '../api/types';
import { Link } from '../route';
import { formatAgo, formatTime } from '../ui/format';
import { Empty, ErrorState, Loading } from '../ui/states';
import { StatusBadge } from '../ui/StatusBadge';
import { useNow } from '../ui/useNow';
import { BroadcastForm } from './BroadcastForm';

export function OverviewView() {
  return (
    <>
      <NodesSection />
      <BroadcastForm />
    </>
  );
}

function NodesSection() {
  const nodes = useNodes();
  return (
    <section className="card" aria-labelledby="nodes-title">
      <h1 id="nodes-title">Connected nodes</h1>
      {nodes.isPending ? (
        <Loading what="nodes" />
      ) : nodes.isError ? (
        <ErrorState error={nodes.error} retry={() => void nodes.refetch()} />
      ) : nodes.data.length === 0 ? (
        <Empty>
          No node is connected. Start one with <code>npx csc node --host MASTER_HOST</code>.
        </Empty>
      ) : (
        <NodesTable nodes={nodes.data} />
      )}
    </section>
  );
}

function NodesTable({ nodes }: { nodes: NodeInfo[] }) {
  const now = useNow(5000);
  const unresponsive = nodes.filter((n) => n.status === 'unresponsive').length;
  return (
    <div className="table-wrap">
      <table className="table table-stack" data-testid="nodes-table">
        {/* Live region: a screen reader hears when a node comes, goes or stops answering. */}
        <caption aria-live="polite">
          {nodes.length} connected, {unresponsive === 0 ? 'all online' : `${unresponsive} unresponsive`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Tags</th>
            <th scope="col">Status</th>
            <th scope="col">Last activity</th>
            <th scope="col">Codex</th>
            <th scope="col">Running jobs</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <tr key={node.id} data-node={node.name}>
              <th scope="row">
                {node.name}
                <span className="sub">{node.address}</span>
              </th>
              <td data-label="Tags">{node.tags.length > 0 ? node.tags.map((t) => <span key={t} className="tag">{t}</span>) : <span className="muted">none</span>}</td>
              <td data-label="Status" data-testid="node-status">
                <StatusBadge status={node.status} />
              </td>
              <td data-label="Last activity">
                <time dateTime={node.lastActivity} title={formatTime(node.lastActivity)}>
                  {formatAgo(node.lastActivity, now)}
                </time>
              </td>
              <td data-label="Codex">{node.capabilities.codexVersion ?? <span className="muted">none{executorNote(node.capabilities.executors)}</span>}</td>
              <td data-label="Running jobs">
                <RunningJobs ids={node.runningJobs} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A node without Codex runs jobs with another executor (echo, for demos): say which. */
const executorNote = (executors: string[]): string => (executors.length > 0 ? ` (${executors.join(', ')})` : '');

function RunningJobs({ ids }: { ids: number[] | undefined }) {
  if (ids === undefined || ids.length === 0) return <span className="muted">idle</span>;
  return (
    <span className="inline-list">
      {ids.map((id) => (
        <Link key={id} to={`/jobs/${id}`}>
          #{id}
        </Link>
      ))}
    </span>
  );
}
