import type { JobQuestion, QuestionFile } from '../../../api/question-types';
import { useT } from '../../../i18n/I18n';
import { patchLines, toolName } from './question-model';

/** What Codex wants, as it said it: the command and where, the patch, the permissions, the call. */
export function QuestionWhat({ question }: { question: JobQuestion }) {
  const t = useT().questions;
  return (
    <div className="question-what" data-testid="question-what">
      <KindDetails question={question} />
      {question.reason && (
        <p className="question-reason">
          <span className="muted">{t.why}</span> {question.reason}
        </p>
      )}
    </div>
  );
}

function KindDetails({ question }: { question: JobQuestion }) {
  const t = useT().questions;
  switch (question.kind) {
    case 'command':
      return (
        <>
          <pre className="question-command" data-testid="question-command">
            $ {question.command ?? t.noCommand}
          </pre>
          {question.cwd && <Detail term={t.in} value={question.cwd} />}
          {question.action && question.action !== 'command' && <Detail term={t.kind} value={question.action} />}
        </>
      );
    case 'file_change':
      return <FileChanges changes={question.changes} grantRoot={question.grantRoot} />;
    case 'permissions':
      return (
        <>
          {question.cwd && <Detail term={t.in} value={question.cwd} />}
          <JsonBlock label={t.permissionsAsked} value={question.permissions} />
        </>
      );
    case 'user_input':
      // The questions themselves are the answer form's fields.
      return null;
    case 'elicitation':
      return (
        <>
          <p className="question-message">{question.message}</p>
          {question.url && <Detail term={t.link} value={question.url} link />}
          {question.requestedSchema !== undefined && <JsonBlock label={t.schema} value={question.requestedSchema} closed />}
        </>
      );
    case 'tool_call':
      return (
        <>
          <Detail term={t.tool} value={toolName(question)} />
          <JsonBlock label={t.arguments} value={question.arguments} />
        </>
      );
    case 'unknown':
      return (
        <>
          <p className="muted">{t.unknownKind}</p>
          <JsonBlock label={t.parameters} value={question.params} closed />
        </>
      );
  }
}

function FileChanges({ changes, grantRoot }: { changes: QuestionFile[]; grantRoot: string | undefined }) {
  const t = useT().questions;
  const kinds = useT().jobLog.fileKind;
  return (
    <>
      {grantRoot && <Detail term={t.writeAccess} value={grantRoot} />}
      {changes.length === 0 && <p className="muted">{t.noPatch}</p>}
      <ul className="question-files">
        {changes.map((file) => (
          <li key={file.path} data-question-file={file.path}>
            <details open={changes.length <= 5}>
              <summary>
                <span className={`file-kind file-${file.kind}`}>{kinds[file.kind] ?? file.kind}</span> <code>{file.movePath ? `${file.path} → ${file.movePath}` : file.path}</code>{' '}
                <span className="added">+{file.added}</span> <span className="removed">−{file.removed}</span>
              </summary>
              <Patch file={file} />
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}

function Patch({ file }: { file: QuestionFile }) {
  const t = useT().questions;
  const lines = patchLines(file);
  if (lines.length === 0) return <p className="diff-note">{t.noContent}</p>;
  return (
    <pre className="question-patch" data-testid="question-patch">
      {lines.map((line, i) => (
        // The patch never changes while shown: a line's place is a stable key.
        <span key={i} className={`patch-line diff-${line.kind}`}>
          {line.text}
        </span>
      ))}
    </pre>
  );
}

function Detail({ term, value, link }: { term: string; value: string; link?: boolean }) {
  return (
    <p className="question-detail">
      <span className="muted">{term}:</span>{' '}
      {link ? (
        <a href={value} target="_blank" rel="noreferrer">
          {value}
        </a>
      ) : (
        <code>{value}</code>
      )}
    </p>
  );
}

function JsonBlock({ label, value, closed }: { label: string; value: unknown; closed?: boolean }) {
  return (
    <details className="question-json" open={!closed}>
      <summary>{label}</summary>
      <pre>{JSON.stringify(value, null, 2) ?? 'null'}</pre>
    </details>
  );
}
