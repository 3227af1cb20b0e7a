// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type ConnectionState, type TopicHandler } from './client';
import { backoffDelay } from './backoff';
import { FakeSocket } from './fake-socket';
import type { EventFrame } from './protocol';

let tickets: number;
let ticketFails: number;
let states: ConnectionState[];

function makeClient(extra: Partial<ConstructorParameters<typeof RealtimeClient>[0]> = {}) {
  const c = new RealtimeClient({
    url: (t) => `ws://test/t/acme/ws?ticket=${t}`,
    getTicket: async () => {
      if (ticketFails > 0) {
        ticketFails--;
        throw new Error('offline');
      }
      return `tk${++tickets}`;
    },
    createSocket: (url) => new FakeSocket(url),
    random: () => 0.5,
    backoff: { baseMs: 100, maxMs: 1600 },
    heartbeatMs: 1000,
    heartbeatTimeoutMs: 400,
    ...extra,
  });
  c.onState((s) => states.push(s));
  return c;
}

/** Lets the ticket promise resolve and the socket be created. */
const settle = () => vi.advanceTimersByTimeAsync(0);

function event(topic: string, seq: number, data: Record<string, unknown> = {}): EventFrame {
  return { type: 'event', topic, seq, event: 'deal.updated', data };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  tickets = 0;
  ticketFails = 0;
  states = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('connecting', () => {
  it('opens one socket with a fresh ticket and subscribes every wanted topic on open', async () => {
    const c = makeClient();
    c.subscribe('deals', {});
    c.subscribe('pipeline:p1', {});
    c.start();
    await settle();
    expect(FakeSocket.all).toHaveLength(1);
    const ws = FakeSocket.last();
    expect(ws.url).toBe('ws://test/t/acme/ws?ticket=tk1');
    expect(c.state).toBe('connecting');
    ws.open();
    expect(c.state).toBe('open');
    expect(ws.frames('subscribe').map((f) => [f.topic, f.since])).toEqual([
      ['deals', undefined],
      ['pipeline:p1', undefined],
    ]);
  });

  it('subscribes at once when the socket is already open', async () => {
    const c = makeClient();
    c.start();
    await settle();
    FakeSocket.last().open();
    c.subscribe('contacts', {});
    expect(FakeSocket.last().frames('subscribe').map((f) => f.topic)).toEqual(['contacts']);
  });
});

describe('reference counting', () => {
  it('subscribes a topic once for many views and unsubscribes after the last one leaves', async () => {
    const c = makeClient();
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    const offA = c.subscribe('deals', {});
    const offB = c.subscribe('deals', {});
    expect(ws.frames('subscribe')).toHaveLength(1);
    offA();
    offA(); // twice is harmless
    expect(ws.frames('unsubscribe')).toHaveLength(0);
    offB();
    expect(ws.frames('unsubscribe').map((f) => f.topic)).toEqual(['deals']);
    c.subscribe('deals', {});
    expect(ws.frames('subscribe')).toHaveLength(2);
  });

  it('delivers each event to every view of its topic, once, and never to other topics', async () => {
    const c = makeClient();
    const a = vi.fn();
    const b = vi.fn();
    const other = vi.fn();
    c.subscribe('deals', { onEvent: a });
    c.subscribe('deals', { onEvent: b });
    c.subscribe('contacts', { onEvent: other });
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.ackSubscribes(10);
    ws.receive(event('deals', 11));
    ws.receive(event('deals', 11)); // a duplicate
    ws.receive(event('deals', 9)); // older than what we have
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    expect(other).not.toHaveBeenCalled();
  });
});

describe('reconnecting', () => {
  it('shows "reconnecting", backs off, and resumes every topic from the last seq it saw', async () => {
    const c = makeClient();
    c.subscribe('deals', {});
    c.subscribe('contacts', {});
    c.start();
    await settle();
    const first = FakeSocket.last();
    first.open();
    first.ackSubscribes(100);
    first.receive(event('deals', 101));
    first.receive(event('deals', 104));
    first.drop();
    expect(c.state).toBe('reconnecting');
    // Backoff: attempt 0 → 100 ms * 2^0 with half jitter → 75 ms at random 0.5.
    await vi.advanceTimersByTimeAsync(74);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    const second = FakeSocket.last();
    expect(second.url).toContain('ticket=tk2'); // tickets are single-use
    second.open();
    expect(c.state).toBe('open');
    expect(second.frames('subscribe').map((f) => [f.topic, f.since])).toEqual([
      ['deals', 104],
      ['contacts', 100], // saw no events: resumes from the head it subscribed at
    ]);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it('waits longer after each failure, with jitter, and starts over after a success', async () => {
    const delays = [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, () => 0.5, { baseMs: 100, maxMs: 1600 }));
    expect(delays).toEqual([75, 150, 300, 600, 1200, 1200]);
    expect(backoffDelay(3, () => 0, { baseMs: 100, maxMs: 1600 })).toBe(400);
    expect(backoffDelay(3, () => 1, { baseMs: 100, maxMs: 1600 })).toBe(800);

    const c = makeClient();
    c.start();
    await settle();
    FakeSocket.last().drop(); // never opened
    await vi.advanceTimersByTimeAsync(75);
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(149);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.last().open();
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(75); // back to the first delay
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('keeps trying when the ticket cannot be fetched (offline)', async () => {
    ticketFails = 2;
    const c = makeClient();
    c.start();
    await settle();
    expect(FakeSocket.all).toHaveLength(0);
    expect(c.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(75 + 150);
    expect(FakeSocket.all).toHaveLength(1);
    FakeSocket.last().open();
    expect(c.state).toBe('open');
  });

  it('reconnects at once when told the browser is back online', async () => {
    const c = makeClient({ backoff: { baseMs: 10_000, maxMs: 60_000 } });
    c.start();
    await settle();
    FakeSocket.last().open();
    FakeSocket.last().drop();
    c.reconnectNow();
    await settle();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('does not move a resumed topic past events it has not received yet', async () => {
    const c = makeClient();
    c.subscribe('deals', {});
    c.subscribe('contacts', {});
    c.start();
    await settle();
    let ws = FakeSocket.last();
    ws.open();
    ws.ackSubscribes(100);
    ws.receive(event('deals', 101));
    ws.drop();
    await vi.advanceTimersByTimeAsync(75);
    ws = FakeSocket.last();
    ws.open();
    // The server's head is now 120; it replays deals 105 and 110 after `subscribed`.
    ws.ackSubscribes(120);
    ws.receive(event('deals', 105));
    expect(c.cursorOf('deals')).toBe(105);
    expect(c.cursorOf('contacts')).toBe(100); // its replay may still be on the way
    ws.drop(); // lost before the rest of the replay arrived
    await vi.advanceTimersByTimeAsync(75);
    ws = FakeSocket.last();
    ws.open();
    expect(ws.frames('subscribe').map((f) => [f.topic, f.since])).toEqual([
      ['deals', 105],
      ['contacts', 100],
    ]);
    ws.ackSubscribes(125);
    ws.receive(event('deals', 126)); // newer than the head: the replays are complete
    expect(c.cursorOf('contacts')).toBe(125);
    expect(c.cursorOf('deals')).toBe(126);
  });

  it('abandons a silent socket after an unanswered ping and reconnects', async () => {
    const c = makeClient();
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.frames('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(400);
    expect(ws.closedWith).toBe(4000);
    expect(c.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(75);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('keeps a socket that answers its pings', async () => {
    const c = makeClient();
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      const ping = ws.frames('ping').at(-1);
      ws.receive({ type: 'pong', id: ping?.id });
    }
    expect(ws.closedWith).toBeNull();
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('reports a session that the server ended, and stop() closes for good', async () => {
    const ended = vi.fn();
    const c = makeClient({ onSessionEnded: ended });
    c.start();
    await settle();
    FakeSocket.last().open();
    FakeSocket.last().drop(4401);
    expect(ended).toHaveBeenCalledOnce();
    c.stop();
    expect(c.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});

describe('resync', () => {
  it('tells the views to reload and starts the topic over without since', async () => {
    const c = makeClient();
    const onResync = vi.fn();
    c.subscribe('pipeline:p1', { onResync });
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.ackSubscribes(50);
    ws.receive(event('pipeline:p1', 51));
    ws.receive({ type: 'resync', topic: 'pipeline:p1', reason: 'the client fell behind' });
    expect(onResync).toHaveBeenCalledWith('the client fell behind');
    const subs = ws.frames('subscribe');
    expect(subs).toHaveLength(2);
    expect(subs[1]).toMatchObject({ topic: 'pipeline:p1' });
    expect(subs[1]?.since).toBeUndefined();
    // Seqs start over: an event at or below the old last one is not a duplicate now.
    const onEvent = vi.fn();
    c.subscribe('pipeline:p1', { onEvent });
    ws.receive({ type: 'subscribed', id: subs[1]?.id, topic: 'pipeline:p1', seq: 60, recovered: true });
    ws.receive(event('pipeline:p1', 61));
    expect(onEvent).toHaveBeenCalledOnce();
  });
});

describe('presence and errors', () => {
  it('announces presence once subscribed, again after a reconnect, and hands members to the views', async () => {
    const c = makeClient();
    const onPresence = vi.fn();
    c.subscribe('record:contact:c1', { onPresence });
    c.setPresence('record:contact:c1', 'editing');
    c.start();
    await settle();
    let ws = FakeSocket.last();
    ws.open();
    expect(ws.frames('presence')).toHaveLength(0); // not before `subscribed`
    ws.ackSubscribes(5);
    expect(ws.frames('presence').map((f) => f.state)).toEqual(['editing']);
    const members = [{ user_id: 'u2', name: 'Morgan', state: 'viewing' as const }];
    ws.receive({ type: 'presence', topic: 'record:contact:c1', members });
    expect(onPresence).toHaveBeenCalledWith(members);
    c.setPresence('record:contact:c1', 'viewing');
    expect(ws.frames('presence').map((f) => f.state)).toEqual(['editing', 'viewing']);
    ws.drop();
    await vi.advanceTimersByTimeAsync(75);
    ws = FakeSocket.last();
    ws.open();
    ws.ackSubscribes(5);
    expect(ws.frames('presence').map((f) => f.state)).toEqual(['viewing']);
  });

  it('routes an error answer to the views of the topic it was about', async () => {
    const c = makeClient();
    const onError = vi.fn();
    c.subscribe('tickets', { onError });
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    const sub = ws.frames('subscribe')[0];
    ws.receive({ type: 'error', id: sub?.id, code: 'forbidden', message: 'needs tickets:read' });
    expect(onError).toHaveBeenCalledWith('forbidden', 'needs tickets:read');
  });

  it('ignores frames it cannot parse instead of failing', async () => {
    const c = makeClient();
    const h: TopicHandler = { onEvent: vi.fn() };
    c.subscribe('deals', h);
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.onmessage?.(new MessageEvent('message', { data: 'not json' }));
    expect(c.state).toBe('open');
  });
});

describe('derived frames', () => {
  it('hands queue and dashboard frames to their topic, without moving any resume point', async () => {
    const c = makeClient();
    const queue: unknown[] = [];
    const board: unknown[] = [];
    c.subscribe('queue:q1', { onQueue: (f) => queue.push([f.ticket_id, f.position, f.size]) });
    c.subscribe('dashboard:support', { onDashboard: (f) => board.push(f.data) });
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.ackSubscribes(10);
    ws.receive({ type: 'queue', topic: 'queue:q1', seq: 14, ticket_id: 't1', position: 0, size: 3 });
    ws.receive({ type: 'queue', topic: 'queue:q1', seq: 15, ticket_id: 't1', position: null, size: 2 });
    ws.receive({ type: 'dashboard', topic: 'dashboard:support', seq: 15, data: { open_total: 7 } });
    expect(queue).toEqual([['t1', 0, 3], ['t1', null, 2]]);
    expect(board).toEqual([{ open_total: 7 }]);
    // Only events move the cursor: a reconnect still resumes from 10.
    expect(c.cursorOf('queue:q1')).toBe(10);
    expect(c.cursorOf('dashboard:support')).toBe(10);
  });
});

describe('overlapping topics', () => {
  const ticketEvent = (topic: string, seq: number): EventFrame =>
    ({ type: 'event', topic, seq, event: 'ticket.updated', data: { id: 't1', queue_id: 'q1' } });

  it('hands each topic its own copy of an event, once, and moves each cursor', async () => {
    const c = makeClient();
    const got: Record<string, number[]> = { tickets: [], ticket: [] };
    c.subscribe('tickets', { onEvent: (f) => got.tickets!.push(f.seq) });
    c.subscribe('ticket:t1', { onEvent: (f) => got.ticket!.push(f.seq) });
    c.subscribe('ticket:t2', { onEvent: () => { throw new Error('not this ticket'); } });
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.ackSubscribes(10);
    // The server sends the event under each subscribed topic it matches.
    ws.receive(ticketEvent('tickets', 11));
    ws.receive(ticketEvent('ticket:t1', 11));
    ws.receive(ticketEvent('ticket:t1', 11));
    expect(got).toEqual({ tickets: [11], ticket: [11] });
    expect([c.cursorOf('tickets'), c.cursorOf('ticket:t1'), c.cursorOf('ticket:t2')]).toEqual([11, 11, 10]);
  });
});

describe('a topic ended by the server', () => {
  it('tells its views and the app when a feature is switched off, and ignores the answer to our own unsubscribe', async () => {
    const c = makeClient();
    const errors: string[] = [];
    const closed: string[] = [];
    c.subscribe('tickets', { onError: (code) => errors.push(code) });
    c.onTopicClosed((topic, code) => closed.push(`${topic}:${code}`));
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.receive({ type: 'unsubscribed', id: 'c9', topic: 'tickets' });
    expect(errors).toEqual([]);
    ws.receive({ type: 'unsubscribed', id: null, topic: 'tickets', code: 'feature_disabled', message: 'support is switched off' });
    expect(errors).toEqual(['feature_disabled']);
    expect(closed).toEqual(['tickets:feature_disabled']);
  });

  it('says when the next reconnect is due, and forgets it on "retry now"', async () => {
    const c = makeClient();
    c.start();
    await settle();
    FakeSocket.last().open();
    FakeSocket.last().drop();
    expect(c.state).toBe('reconnecting');
    expect(c.retryAt).not.toBeNull();
    c.reconnectNow();
    expect(c.retryAt).toBeNull();
  });
});

describe('frames beside the topics', () => {
  it('hands an anonymised record’s overwritten older events to no view, yet resumes after them', async () => {
    const c = makeClient();
    const seen: EventFrame[] = [];
    const any: EventFrame[] = [];
    c.subscribe('tickets', { onEvent: (f) => seen.push(f) });
    c.onAnyEvent((f) => any.push(f));
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.ackSubscribes(10);
    ws.receive({ type: 'event', topic: 'tickets', seq: 11, event: 'ticket.updated', data: { id: 't1', anonymised: true } });
    ws.receive({ type: 'event', topic: 'tickets', seq: 12, event: 'ticket.anonymised', data: { id: 't1', version: 5, anonymised: { at: 'x', rule: 'r' } } });
    expect(seen.map((f) => f.seq)).toEqual([12]);
    expect(any.map((f) => f.seq)).toEqual([12]);
    expect(c.cursorOf('tickets')).toBe(12);
    ws.receive({ type: 'event', topic: 'tickets', seq: 13, event: 'ticket.updated', data: { id: 't2', anonymised: true } });
    expect(c.cursorOf('tickets')).toBe(13);
    c.stop();
  });

  it('tells whoever listens that access, branding or features changed, without any subscription', async () => {
    const c = makeClient();
    const heard: string[] = [];
    const off = c.onChanged((what) => heard.push(what));
    c.start();
    await settle();
    const ws = FakeSocket.last();
    ws.open();
    ws.receive({ type: 'changed', what: 'access' });
    ws.receive({ type: 'changed', what: 'branding' });
    ws.receive({ type: 'changed', what: 'features' });
    off();
    ws.receive({ type: 'changed', what: 'access' });
    expect(heard).toEqual(['access', 'branding', 'features']);
    expect(ws.frames('subscribe')).toHaveLength(0);
    c.stop();
  });
});
