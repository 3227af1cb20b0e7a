// "Canned reply" beside the reply box: a button opens a combobox (type to
// filter by name, arrows to move, Enter to take one, Escape to close);
// the reply taken is filled in for this ticket by the server (as this
// person may read it) and handed to the reply box, which puts it at the
// cursor. The list is read each time it opens: an admin may have changed
// it meanwhile. Without any, it says where an administrator adds them.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { getCannedReplies, renderCannedReply, type CannedReply } from '../../api/canned';
import { ApiError } from '../../api/problem';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { describeError } from '../../ui/errors';
import { filterReplies } from './canned';

export function CannedReplyPicker({ ticketId, onInsert }: { ticketId: string; onInsert(text: string): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  const [replies, setReplies] = useState<CannedReply[] | null>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    const ctl = new AbortController();
    getCannedReplies(api, ctl.signal).then(
      (r) => setReplies(r),
      (e: unknown) => {
        if (!ctl.signal.aborted) setError(describeError(e, i18n));
      },
    );
    return () => ctl.abort();
    // i18n only words the error; the list is read once per opening.
  }, [open, api]);

  // A click elsewhere closes it, like any popup.
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);

  if (!can('tickets:read')) return null;

  const shown = filterReplies(replies ?? [], query);
  const current = shown[Math.min(active, shown.length - 1)];
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const take = async (r: CannedReply) => {
    setBusy(true);
    setError(null);
    try {
      const body = await renderCannedReply(api, ticketId, r.name);
      setOpen(false);
      onInsert(body);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        // Renamed or removed since the list was read: read it again.
        setError(t('canned.gone', { name: r.name }));
        getCannedReplies(api).then(setReplies, () => undefined);
      } else setError(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const n = shown.length;
    if (e.key === 'ArrowDown' && n) setActive((a) => (Math.min(a, n - 1) + 1) % n);
    else if (e.key === 'ArrowUp' && n) setActive((a) => (Math.min(a, n - 1) - 1 + n) % n);
    else if (e.key === 'Enter') {
      if (current && !busy) void take(current);
    } else if (e.key === 'Escape') close();
    else return;
    e.preventDefault();
  };

  const listId = `${id}-list`;
  const optionId = (i: number) => `${id}-opt-${i}`;
  return (
    <div className="canned">
      <button ref={button} type="button" className="btn btn--small" aria-expanded={open} aria-controls={open ? `${id}-box` : undefined}
        onClick={() => {
          setQuery('');
          setActive(0);
          setError(null);
          setOpen((o) => !o);
        }}>
        {t('canned.pick')}
      </button>
      {open ? (
        <div ref={box} id={`${id}-box`} className="canned__box" data-testid="canned-picker">
          <label htmlFor={`${id}-q`} className="visually-hidden">{t('canned.filter')}</label>
          <input id={`${id}-q`} type="search" role="combobox" autoFocus autoComplete="off" placeholder={t('canned.filter')}
            aria-expanded={shown.length > 0} aria-controls={listId} aria-autocomplete="list"
            aria-activedescendant={current ? optionId(shown.indexOf(current)) : undefined}
            aria-busy={busy || replies === null}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKey} />
          {replies === null && !error ? <p className="muted" aria-busy="true">{t('app.loading')}</p> : null}
          {replies?.length === 0 ? <p className="muted" data-testid="canned-none">{t(can('admin:settings') ? 'canned.noneAdmin' : 'canned.none')}</p> : null}
          {replies?.length && !shown.length ? <p className="muted">{t('canned.noMatch')}</p> : null}
          <ul id={listId} role="listbox" aria-label={t('canned.title')} className="canned__list">
            {shown.map((r, i) => (
              <li key={r.name} id={optionId(i)} role="option" aria-selected={r === current}
                className={r === current ? 'canned__option canned__option--active' : 'canned__option'}
                // mousedown would take the focus from the box before the click lands.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => void take(r)}>
                <span className="canned__name">{r.name}</span>
                <span className="canned__preview muted">{r.body.slice(0, 80)}</span>
              </li>
            ))}
          </ul>
          {error ? <p className="field__error" role="alert">{error}</p> : null}
        </div>
      ) : null}
    </div>
  );
}
