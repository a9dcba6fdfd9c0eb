import type { UsageRow } from '../../api/usage-types';
import { useT } from '../../i18n/I18n';
import { formatCount } from '../../ui/format';

const WIDTH = 640;
const HEIGHT = 160;
const AXIS = 18;

/**
 * Tokens per day as bars, in plain SVG (no chart library: a few rects cost the bundle nothing).
 * Each bar carries its figures as a tooltip and for screen readers; the tables below say the same.
 */
export function UsageChart({ days }: { days: UsageRow[] }) {
  const t = useT().usage;
  const highest = Math.max(1, ...days.map((day) => day.tokens.total));
  const slot = WIDTH / Math.max(1, days.length);
  const total = days.reduce((sum, day) => sum + day.tokens.total, 0);
  // Labels under every bar crowd a month: label about seven of them.
  const every = Math.max(1, Math.ceil(days.length / 7));
  return (
    <figure className="usage-chart">
      <figcaption>{t.chartTitle}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + AXIS}`} role="img" aria-label={t.chartLabel(days.length, formatCount(total))} data-testid="usage-chart">
        {days.map((day, index) => {
          const height = Math.round((day.tokens.total / highest) * (HEIGHT - 4));
          const label = t.dayBar(day.key, formatCount(day.tokens.total), day.jobs);
          return (
            <g key={day.key} data-day={day.key} data-tokens={day.tokens.total}>
              <rect className="usage-bar" x={index * slot + slot * 0.15} y={HEIGHT - height} width={slot * 0.7} height={height} aria-label={label}>
                <title>{label}</title>
              </rect>
              {index % every === 0 && (
                // The first label starts at its bar: centred, it would be cut at the edge.
                <text className="usage-axis" x={index === 0 ? 0 : index * slot + slot / 2} y={HEIGHT + AXIS - 4} textAnchor={index === 0 ? 'start' : 'middle'}>
                  {day.key.slice(5)}
                </text>
              )}
            </g>
          );
        })}
        <line className="usage-baseline" x1={0} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} />
      </svg>
    </figure>
  );
}
