// One refusal from the server, announced (role="alert") where the action was taken.
import type { Problem } from './describe-error';

export function ProblemText({ problem, id }: { problem: Problem | null; id?: string }) {
  if (!problem) return null;
  return (
    <p id={id} className="form-error" role="alert">
      {problem.text}
      {problem.code && (
        <>
          {' '}
          <code className="error-code">{problem.code}</code>
        </>
      )}
    </p>
  );
}
