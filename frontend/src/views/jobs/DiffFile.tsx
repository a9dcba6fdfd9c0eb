import { Fragment, memo, useEffect, useMemo, useState } from 'react';
import type { DiffHunk, DiffLine } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { formatCount } from '../../ui/format';
import { blocksFor, FILE_LINES, lineBlocks, linesFrom, type ChangeFile, type LineBlock } from './diff-model';

const SIGN: Record<DiffLine['kind'], string> = { add: '+', del: '-', ctx: ' ' };
/** Blocks "show all" adds per frame: about 400 lines, a short task each. */
const BLOCKS_PER_FRAME = 2;

/**
 * One file of the change: a header that opens and closes it (+/- counts, status, old → new for a
 * rename), and, only while open, its unified diff: a closed file costs the page nothing.
 */
export function DiffFileView({ file, index, open, loading, onToggle }: { file: ChangeFile; index: number; open: boolean; loading: boolean; onToggle: () => void }) {
  const { stat } = file;
  const t = useT().change;
  const bodyId = `diff-file-${index}`;
  return (
    <li className="diff-file" data-file={stat.path}>
      <h4 className="diff-file-head">
        <button type="button" className="diff-toggle" aria-expanded={open} aria-controls={bodyId} onClick={onToggle}>
          <span className="diff-chevron" aria-hidden="true" />
          <span className={`diff-status diff-status-${stat.status}`} data-testid="file-status">
            {t.fileStatus[stat.status]}
          </span>
          <code className="diff-path" data-testid="file-path">
            {stat.oldPath !== undefined && stat.oldPath !== stat.path ? `${stat.oldPath} → ${stat.path}` : stat.path}
          </code>
          {stat.binary ? (
            <span className="badge badge-neutral">{t.binary}</span>
          ) : (
            <span className="diff-counts" data-testid="file-counts">
              <span className="added">+{formatCount(stat.added)}</span> <span className="removed">−{formatCount(stat.removed)}</span>
            </span>
          )}
        </button>
      </h4>
      {open && (
        <div id={bodyId} className="diff-body">
          <FileBody file={file} loading={loading} />
        </div>
      )}
    </li>
  );
}

function FileBody({ file, loading }: { file: ChangeFile; loading: boolean }) {
  const t = useT().change;
  if (file.stat.binary) return <p className="diff-note">{t.binaryNote}</p>;
  if (file.hunks === undefined) return <p className="diff-note">{loading ? t.loadingDiff : t.notStored}</p>;
  if (file.hunks.length === 0) return <p className="diff-note">{t.noLines}</p>;
  return <DiffTable path={file.stat.path} hunks={file.hunks} />;
}

/**
 * The hunks as rows: old and new line numbers, then the line with its sign, coloured by kind.
 * A long file draws its first lines; "show all" adds the rest a few blocks a frame.
 */
function DiffTable({ path, hunks }: { path: string; hunks: DiffHunk[] }) {
  const blocks = useMemo(() => lineBlocks(hunks), [hunks]);
  const [shown, setShown] = useState(() => blocksFor(blocks, FILE_LINES));
  const [growing, setGrowing] = useState(false);
  const t = useT().change;
  useEffect(() => {
    if (!growing || shown >= blocks.length) return;
    const frame = window.requestAnimationFrame(() => setShown((count) => count + BLOCKS_PER_FRAME));
    return () => window.cancelAnimationFrame(frame);
  }, [growing, shown, blocks.length]);
  const hidden = linesFrom(blocks, shown);
  return (
    <>
      <table className="diff-table" aria-label={t.changesIn(path)}>
        <colgroup>
          <col className="diff-col-num" />
          <col className="diff-col-num" />
          <col />
        </colgroup>
        {blocks.slice(0, shown).map((block) => (
          <Block key={block.key} block={block} />
        ))}
      </table>
      {hidden > 0 && !growing && (
        <button type="button" className="diff-more" onClick={() => setGrowing(true)}>
          {t.showAll(formatCount(hidden))}
        </button>
      )}
    </>
  );
}

/** Memoized: blocks already drawn are left alone while more are added. */
const Block = memo(function Block({ block }: { block: LineBlock }) {
  const t = useT().change;
  return (
    <tbody>
      {block.header !== undefined && (
        <tr className="diff-hunk">
          <td colSpan={3}>{block.header}</td>
        </tr>
      )}
      {block.lines.map((line, i) => (
        // A block's lines never change or reorder, so their place is a stable key.
        <Fragment key={i}>
          <tr className={`diff-line diff-${line.kind}`}>
            <td className="diff-num">{line.oldLine}</td>
            <td className="diff-num">{line.newLine}</td>
            <td className="diff-code">
              <span className="diff-sign">{SIGN[line.kind]}</span>
              {line.text}
            </td>
          </tr>
          {line.noNewline && (
            <tr className="diff-eof">
              <td colSpan={3}>{t.noNewline}</td>
            </tr>
          )}
        </Fragment>
      ))}
    </tbody>
  );
});
