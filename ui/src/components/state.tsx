import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../data/api.js';

/** Shown while data loads. */
export function Loading({ what }: { what: string }): ReactNode {
  return (
    <div className="loading" data-testid="loading">
      Loading {what}…
    </div>
  );
}

/** An API or network failure, with the server's code and message: never a blank page. */
export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }): ReactNode {
  const e = error instanceof ApiError ? error : null;
  const code = e?.code ?? 'ERROR';
  const message = e?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div className="error" role="alert" data-testid="error" data-code={code}>
      <strong>{code === 'UNREACHABLE' ? 'Server unreachable' : 'Something went wrong'}</strong> <code>{code}</code>
      <p>{message}</p>
      {(code === 'UNAUTHORIZED' || code === 'TOKEN_INVALID' || code === 'PERMISSION_DENIED') && <TokenForm />}
      {retry && (
        <button type="button" onClick={retry} data-testid="retry">
          Try again
        </button>
      )}
    </div>
  );
}

/** Asks for an access token (`slipway auth token create`), keeps it in this browser, and reloads. */
function TokenForm(): ReactNode {
  const [token, setToken] = useState('');
  return (
    <form
      className="toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        localStorage.setItem('slipway.token', token.trim());
        window.location.reload();
      }}
    >
      <input
        type="password"
        placeholder="access token"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        data-testid="token-input"
      />
      <button type="submit" disabled={!token.trim()}>
        Use token
      </button>
    </form>
  );
}

/** A page or section with nothing to show yet, and what to do about it. */
export function Empty({ title, hint, testId = 'empty' }: { title: string; hint?: ReactNode; testId?: string }): ReactNode {
  return (
    <div className="empty" data-testid={testId}>
      <strong>{title}</strong>
      {hint && <p>{hint}</p>}
    </div>
  );
}

/** The state of one async load: data, error, or still loading; `reload` runs it again. */
export interface Async<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Runs `load` when `deps` change; a newer load wins over an older one still in flight. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, error: undefined, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Renders an async load: loading, error (with retry), or the body. */
export function Show<T>({ state, what, children }: { state: Async<T>; what: string; children: (data: T) => ReactNode }): ReactNode {
  if (state.error !== undefined) return <ErrorBox error={state.error} retry={state.reload} />;
  if (state.data === undefined) return <Loading what={what} />;
  return children(state.data);
}
