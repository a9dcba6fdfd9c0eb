import { useState } from 'react';
import { useUsage } from '../../api/queries';
import type { UsageReport, UsageRow } from '../../api/usage-types';
import { useT } from '../../i18n/I18n';
import { formatCount } from '../../ui/format';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { BudgetsSection } from './BudgetsForm';
import { UsageChart } from './UsageChart';
import { everyDay } from './usage-model';

const PERIODS = [7, 30, 90] as const;

/** Token usage over a period (`GET /api/usage?days=N`): totals, a bar per day, by user, chat and node; then the budgets. */
export function UsageView() {
  const t = useT().usage;
  const [days, setDays] = useState<number>(7);
  const report = useUsage(days);
  return (
    <section className="card" aria-labelledby="usage-title">
      <h1 id="usage-title">{t.title}</h1>
      <p className="lead">{t.lead}</p>
      <div className="field usage-period">
        <label htmlFor="usage-days">{t.period}</label>
        <select id="usage-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {PERIODS.map((period) => (
            <option key={period} value={period}>
              {t.lastDays(period)}
            </option>
          ))}
        </select>
      </div>
      {report.isPending ? <Loading what={t.what} /> : report.isError ? <ErrorState error={report.error} retry={() => void report.refetch()} /> : <Report report={report.data} />}
      <BudgetsSection />
    </section>
  );
}

function Report({ report }: { report: UsageReport }) {
  const t = useT().usage;
  const { total } = report;
  return (
    <>
      <p className="muted">{t.range(report.from, report.to)}</p>
      <dl className="facts usage-totals" data-testid="usage-totals">
        <Fact term={t.jobs} value={formatCount(total.jobs)} />
        <Fact term={t.tokens} value={formatCount(total.tokens.total)} />
        <Fact term={t.input} value={formatCount(total.tokens.input)} />
        <Fact term={t.output} value={formatCount(total.tokens.output)} />
      </dl>
      <UsageChart days={everyDay(report.from, report.to, report.days)} />
      {total.jobs === 0 ? (
        <Empty>{t.nothing}</Empty>
      ) : (
        <div className="usage-tables">
          <UsageTable title={t.byUser} column={t.user} rows={report.users} testId="usage-users" />
          <UsageTable title={t.byChat} column={t.chat} rows={report.chats} testId="usage-chats" />
          <UsageTable title={t.byNode} column={t.node} rows={report.nodes} testId="usage-nodes" />
        </div>
      )}
    </>
  );
}

function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function UsageTable({ title, column, rows, testId }: { title: string; column: string; rows: UsageRow[]; testId: string }) {
  const t = useT().usage;
  return (
    <div className="table-wrap">
      <table className="table table-stack" data-testid={testId}>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{column}</th>
            <th scope="col">{t.jobs}</th>
            <th scope="col">{t.input}</th>
            <th scope="col">{t.output}</th>
            <th scope="col">{t.tokens}</th>
          </tr>
        </thead>
        <tbody>
          {[...rows]
            .sort((a, b) => b.tokens.total - a.tokens.total)
            .map((row) => (
              <tr key={row.key} data-key={row.key}>
                <th scope="row">{row.key}</th>
                <td data-label={t.jobs}>{formatCount(row.jobs)}</td>
                <td data-label={t.input}>{formatCount(row.tokens.input)}</td>
                <td data-label={t.output}>{formatCount(row.tokens.output)}</td>
                <td data-label={t.tokens}>{formatCount(row.tokens.total)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}
