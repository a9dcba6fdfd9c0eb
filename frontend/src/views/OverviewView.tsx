import { useNodes } from '../api/queries';
import type { NodeInfo } from '../api/types';
import { useT } from '../i18n/I18n';
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
  const t = useT().overview;
  return (
    <section className="card" aria-labelledby="nodes-title">
      <h1 id="nodes-title">{t.title}</h1>
      {nodes.isPending ? (
        <Loading what={t.what} />
      ) : nodes.isError ? (
        <ErrorState error={nodes.error} retry={() => void nodes.refetch()} />
      ) : nodes.data.length === 0 ? (
        <Empty>
          {t.noneBefore}
          <code>npx csc node --host MASTER_HOST</code>
          {t.noneAfter}
        </Empty>
      ) : (
        <NodesTable nodes={nodes.data} />
      )}
    </section>
  );
}

function NodesTable({ nodes }: { nodes: NodeInfo[] }) {
  const now = useNow(5000);
  const t = useT().overview;
  const unresponsive = nodes.filter((n) => n.status === 'unresponsive').length;
  // Masters sharing one database list each other's nodes, each with its master; a master alone names none.
  const masters = nodes.some((n) => n.master !== undefined);
  return (
    <div className="table-wrap">
      <table className="table table-stack" data-testid="nodes-table">
        {/* Live region: a screen reader hears when a node comes, goes or stops answering. */}
        <caption aria-live="polite">
          {t.caption(nodes.length, unresponsive)}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t.name}</th>
            {masters && <th scope="col">{t.master}</th>}
            <th scope="col">{t.tags}</th>
            <th scope="col">{t.status}</th>
            <th scope="col">{t.lastActivity}</th>
            <th scope="col">{t.codex}</th>
            <th scope="col">{t.running}</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <tr key={node.id} data-node={node.name}>
              <th scope="row">
                {node.name}
                <span className="sub">{node.address}</span>
              </th>
              {masters && (
                <td data-label={t.master} data-testid="node-master">
                  {node.master ?? <span className="muted">{t.none}</span>}
                </td>
              )}
              <td data-label={t.tags}>{node.tags.length > 0 ? node.tags.map((t) => <span key={t} className="tag">{t}</span>) : <span className="muted">{t.none}</span>}</td>
              <td data-label={t.status} data-testid="node-status">
                <StatusBadge status={node.status} />
              </td>
              <td data-label={t.lastActivity}>
                <time dateTime={node.lastActivity} title={formatTime(node.lastActivity)}>
                  {formatAgo(node.lastActivity, now)}
                </time>
              </td>
              <td data-label={t.codex}>{node.capabilities.codexVersion ?? <span className="muted">{t.none}{executorNote(node.capabilities.executors)}</span>}</td>
              <td data-label={t.running}>
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
  const t = useT().overview;
  if (ids === undefined || ids.length === 0) return <span className="muted">{t.idle}</span>;
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
