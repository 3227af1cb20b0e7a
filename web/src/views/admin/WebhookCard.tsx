// One endpoint on the webhooks page: where it sends what, as which role, and
// its state (active; failing since when, how often, next try; or off and
// why). With `webhooks:write`: switch it off or on again, edit, delete
// (after a confirmation), send a test ping, replay from an event number,
// rotate its secret (the new one shown once). Its delivery log opens below.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import {
  deleteWebhook,
  pingWebhook,
  replayWebhook,
  rotateWebhookSecret,
  updateWebhook,
  type Delivery,
  type Webhook,
} from '../../api/webhooks';
import { useServices } from '../../app/session';
import { useI18n, type I18n, type Key } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { describeError } from '../../ui/errors';
import type { Role } from './Roles';
import { roleLabel } from './permissions';
import { SecretOnce } from './SecretOnce';
import { WebhookDeliveries } from './WebhookDeliveries';
import { WebhookEditDialog } from './WebhookEditDialog';
import { disabledReason, eventsLabel, stateOf } from './webhooks';

interface Props {
  webhook: Webhook;
  canWrite: boolean;
  roles: Role[] | null;
  /** The endpoint changed here: the page puts the server's answer in its list. */
  onChange(w: Webhook): void;
  onDeleted(id: string): void;
}

type Busy = 'toggle' | 'ping' | 'replay' | 'rotate' | 'delete' | null;

export function WebhookCard({ webhook: w, canWrite, roles, onChange, onDeleted }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  const [ping, setPing] = useState<Delivery | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [since, setSince] = useState('');
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [log, setLog] = useState(false);
  const [logTick, setLogTick] = useState(0);
  const builtin = roles?.find((r) => r.name === w.role)?.builtin ?? false;

  /** Runs one action; its refusal is said on this card (a field's at the field). */
  const act = async (what: Busy, fn: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    setFields({});
    setNote(null);
    try {
      await fn();
    } catch (e) {
      // A replay's `since` beyond the log's head is said at its field.
      const at = e instanceof ApiError && e.status === 422 ? e.fieldErrors : {};
      setFields(at);
      setError(at.since ? null : describeError(e, i18n));
    } finally {
      setBusy(null);
    }
  };

  const toggle = () => act('toggle', async () => {
    // `enabled: true` also clears the failure state: the next try is at once.
    onChange(await updateWebhook(api, w.id, { enabled: !w.enabled }));
    setNote(w.enabled ? t('webhooks.disabledNote') : t('webhooks.enabledNote'));
  });
  const sendPing = () => act('ping', async () => {
    setPing(null);
    setPing(await pingWebhook(api, w.id));
    setLogTick((n) => n + 1);
  });
  const rotate = () => act('rotate', async () => {
    const r = await rotateWebhookSecret(api, w.id);
    const { secret: fresh, ...rest } = r;
    setSecret(fresh);
    onChange(rest);
  });
  const replay = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(since);
    if (since.trim() === '' || !Number.isInteger(n) || n < 0) {
      setFields({ since: t('webhooks.sinceInvalid') });
      setError(null);
      setNote(null);
      return;
    }
    void act('replay', async () => {
      onChange(await replayWebhook(api, w.id, n));
      setNote(t('webhooks.replayed', { since: n }));
      setSince('');
    });
  };
  const remove = () => act('delete', async () => {
    setConfirming(false);
    await deleteWebhook(api, w.id);
    onDeleted(w.id);
  });

  const state = stateOf(w);
  return (
    <li className="panel webhook" data-webhook={w.id} data-url={w.url} data-state={state}>
      <div className="panel__head">
        <h2 className="webhook__url"><code>{w.url}</code></h2>
        <span className={`badge ${BADGE[state]}`} data-testid="webhook-state">{t(`webhooks.state_${state}` as Key)}</span>
      </div>
      {w.description ? <p>{w.description}</p> : null}
      <StateDetail webhook={w} i18n={i18n} />
      <dl className="webhook__facts">
        <div><dt>{t('webhooks.events')}</dt><dd>{eventsLabel(w.event_types, t)}</dd></div>
        <div><dt>{t('webhooks.topics')}</dt><dd>{w.topics.length ? w.topics.join(', ') : t('webhooks.allRecords')}</dd></div>
        <div><dt>{t('webhooks.role')}</dt><dd>{roleLabel(i18n, w.role, builtin)}</dd></div>
        <div><dt>{t('webhooks.deliveredUpTo')}</dt><dd>#{w.delivered_seq}</dd></div>
      </dl>

      {secret ? (
        <SecretOnce secret={secret} onDone={() => setSecret(null)}>
          <p>{t('webhooks.rotated', { url: w.url })}</p>
          {w.previous_secret_until ? <p>{t('webhooks.previousUntil', { time: i18n.dateTime(w.previous_secret_until) })}</p> : null}
        </SecretOnce>
      ) : null}
      {error ? <Alert tone="danger">{error}</Alert> : null}
      {note ? <Alert tone="success">{note}</Alert> : null}
      {ping ? <PingResult delivery={ping} i18n={i18n} /> : null}

      {canWrite ? (
        <>
          <div className="row-actions">
            <button type="button" className="btn btn--small" disabled={busy !== null} onClick={() => void toggle()}>
              {w.enabled ? t('webhooks.disable') : t('webhooks.enable')}
            </button>
            <button type="button" className="btn btn--small" onClick={() => setEditing(true)}>{t('record.edit')}</button>
            <button type="button" className="btn btn--small" disabled={busy !== null} onClick={() => void sendPing()}>
              {busy === 'ping' ? t('webhooks.pinging') : t('webhooks.ping')}
            </button>
            <button type="button" className="btn btn--small" disabled={busy !== null} onClick={() => void rotate()}>{t('webhooks.rotate')}</button>
            <button type="button" className="btn btn--small btn--danger" disabled={busy !== null} onClick={() => setConfirming(true)}>
              {t('webhooks.delete')}
            </button>
          </div>
          <form className="webhook__replay" onSubmit={replay}>
            <Field label={t('webhooks.replayFrom')} error={fields.since}>
              <input type="number" inputMode="numeric" min={0} step={1} value={since} onChange={(e) => setSince(e.target.value)} />
            </Field>
            <button type="submit" className="btn btn--small" disabled={busy !== null}>{t('webhooks.replay')}</button>
          </form>
          {/* Beneath the row rather than the field, so the button stays level with the box. */}
          <p className="field__hint">{t('webhooks.replayHint')}</p>
        </>
      ) : null}

      <button type="button" className="btn btn--small btn--ghost" aria-expanded={log} onClick={() => setLog((o) => !o)}>
        {log ? t('webhooks.hideLog') : t('webhooks.showLog')}
      </button>
      {log ? <WebhookDeliveries webhookId={w.id} refresh={logTick} /> : null}

      {editing ? (
        <WebhookEditDialog webhook={w} roles={roles} onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            onChange(saved);
            setNote(t('webhooks.saved'));
          }} />
      ) : null}
      {confirming ? (
        <Dialog open role="alertdialog" title={t('webhooks.deleteTitle')} onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('record.cancel')}</button>
              <button type="button" className="btn btn--danger" onClick={() => void remove()}>{t('webhooks.deleteConfirm')}</button>
            </>
          }>
          <p>{t('webhooks.deleteText', { url: w.url })}</p>
        </Dialog>
      ) : null}
    </li>
  );
}

const BADGE = { active: 'badge--ready', failing: 'badge--pending', disabled: 'badge--failed' } as const;

/** Failing: since when, how many tries, the next one. Disabled: why. */
function StateDetail({ webhook: w, i18n }: { webhook: Webhook; i18n: I18n }) {
  const { t } = i18n;
  const state = stateOf(w);
  if (state === 'disabled') return <p className="webhook__state" data-testid="webhook-reason">{disabledReason(w.disabled_reason, i18n)}</p>;
  if (state !== 'failing') return null;
  return (
    <p className="webhook__state" data-testid="webhook-failing">
      {w.failing_since ? t('webhooks.failingSince', { time: i18n.dateTime(w.failing_since) }) : null}{' '}
      {t('webhooks.attempts', { count: w.attempts })}{' '}
      {w.next_attempt_at ? t('webhooks.nextAttempt', { time: i18n.dateTime(w.next_attempt_at) }) : null}
    </p>
  );
}

/** What the receiver said to the test ping. */
function PingResult({ delivery: d, i18n }: { delivery: Delivery; i18n: I18n }) {
  const { t } = i18n;
  const ms = i18n.number(d.latency_ms);
  return (
    <div data-testid="ping-result" data-ok={d.ok}>
      <Alert tone={d.ok ? 'success' : 'danger'}>
        {d.ok
          ? t('webhooks.pingOk', { status: d.status ?? '', ms })
          : d.status !== null
            ? t('webhooks.pingStatus', { status: d.status, ms, error: d.error ?? '' })
            : t('webhooks.pingNoAnswer', { ms, error: d.error ?? '' })}
      </Alert>
    </div>
  );
}
