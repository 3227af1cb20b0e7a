import type { ReactNode } from 'react';

type Tone = 'info' | 'success' | 'warning' | 'danger';

/** Errors interrupt (role=alert); everything else is announced politely. */
export function Alert({ tone = 'info', children, actions }: { tone?: Tone; children: ReactNode; actions?: ReactNode }) {
  return (
    <div className={`alert alert--${tone}`} role={tone === 'danger' ? 'alert' : 'status'}>
      <div className="alert__body">{children}</div>
      {actions ? <div className="alert__actions">{actions}</div> : null}
    </div>
  );
}
