import type { JobQuestion, QuestionFile } from '../../../api/question-types';
import { patchLines, toolName } from './question-model';

/** What Codex wants, as it said it: the command and where, the patch, the permissions, the call. */
export function QuestionWhat({ question }: { question: JobQuestion }) {
  return (
    <div className="question-what" data-testid="question-what">
      <KindDetails question={question} />
      {question.reason && (
        <p className="question-reason">
          <span className="muted">Why:</span> {question.reason}
        </p>
      )}
    </div>
  );
}

function KindDetails({ question }: { question: JobQuestion }) {
  switch (question.kind) {
    case 'command':
      return (
        <>
          <pre className="question-command" data-testid="question-command">
            $ {question.command ?? '(Codex did not say which command)'}
          </pre>
          {question.cwd && <Detail term="In" value={question.cwd} />}
          {question.action && question.action !== 'command' && <Detail term="Kind" value={question.action} />}
        </>
      );
    case 'file_change':
      return <FileChanges changes={question.changes} grantRoot={question.grantRoot} />;
    case 'permissions':
      return (
        <>
          {question.cwd && <Detail term="In" value={question.cwd} />}
          <JsonBlock label="Permissions asked for" value={question.permissions} />
        </>
      );
    case 'user_input':
      // The questions themselves are the answer form's fields.
      return null;
    case 'elicitation':
      return (
        <>
          <p className="question-message">{question.message}</p>
          {question.url && <Detail term="Link" value={question.url} link />}
          {question.requestedSchema !== undefined && <JsonBlock label="Requested schema" value={question.requestedSchema} closed />}
        </>
      );
    case 'tool_call':
      return (
        <>
          <Detail term="Tool" value={toolName(question)} />
          <JsonBlock label="Arguments" value={question.arguments} />
        </>
      );
    case 'unknown':
      return (
        <>
          <p className="muted">This dashboard does not know this kind of request: it can only be declined.</p>
          <JsonBlock label="Parameters" value={question.params} closed />
        </>
      );
  }
}

function FileChanges({ changes, grantRoot }: { changes: QuestionFile[]; grantRoot: string | undefined }) {
  return (
    <>
      {grantRoot && <Detail term="And write access to" value={grantRoot} />}
      {changes.length === 0 && <p className="muted">Codex sent no patch with this question.</p>}
      <ul className="question-files">
        {changes.map((file) => (
          <li key={file.path} data-question-file={file.path}>
            <details open={changes.length <= 5}>
              <summary>
                <span className={`file-kind file-${file.kind}`}>{file.kind}</span> <code>{file.movePath ? `${file.path} → ${file.movePath}` : file.path}</code>{' '}
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
  const lines = patchLines(file);
  if (lines.length === 0) return <p className="diff-note">No content to show.</p>;
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
