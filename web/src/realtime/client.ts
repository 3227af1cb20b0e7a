// One WebSocket per tab for everything live (API.md "WebSocket").
//
// - Views subscribe to topics; a topic is subscribed on the server once,
//   however many views want it (reference counted), and unsubscribed when
//   the last one leaves.
// - The connection comes back by itself: exponential backoff with jitter,
//   a fresh single-use ticket each time, and every topic re-subscribed with
//   `since` = the last sequence number it saw, so nothing is missed.
// - `resync` (history no longer reaches back, or we fell behind) tells the
//   topic's views to reload, and the topic starts over without `since`.
// - Presence (viewing / editing) is re-announced after every reconnect.
// - `changed` frames (the person's access, the workspace's branding or
//   features) need no subscription: whoever listens is told.
// - An anonymised record's older events (`{"id", "anonymised": true}`)
//   move the resume cursor but reach no view: they hold nothing to show,
//   and the record's `.anonymised` / `.updated` events follow them.

import { isStub } from './anonymised';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import {
  CLOSE_SESSION_ENDED,
  type ChangedFrame,
  type ClientFrame,
  type DashboardFrame,
  type EventFrame,
  type PresenceMember,
  type PresenceState,
  type QueueFrame,
  type ServerFrame,
  type SubscribedFrame,
} from './protocol';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface TopicHandler {
  onEvent?(frame: EventFrame): void;
  /** Reload whatever this topic shows: events were lost. */
  onResync?(reason: string): void;
  onPresence?(members: PresenceMember[]): void;
  onSubscribed?(frame: SubscribedFrame): void;
  onError?(code: string, message: string): void;
  /** `queue:<id>` topics: a ticket entered, moved in or left the queue. */
  onQueue?(frame: QueueFrame): void;
  /** `dashboard:<name>` topics: the whole current state. */
  onDashboard?(frame: DashboardFrame): void;
}

/** The parts of the browser's WebSocket this client uses (tests pass a fake). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface RealtimeOptions {
  /** The socket URL for a ticket, e.g. `wss://host/t/acme/ws?ticket=…`. */
  url: (ticket: string) => string;
  /** `POST /realtime/ticket`; rejects when the server cannot be reached. */
  getTicket: () => Promise<string>;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
  backoff?: BackoffOptions;
  /** Ping this often when the socket is otherwise quiet… */
  heartbeatMs?: number;
  /** …and give up on it when nothing at all arrives for this long after a ping. */
  heartbeatTimeoutMs?: number;
  /** The server closed with "session ended" (logout, revoked). */
  onSessionEnded?: () => void;
}

interface TopicEntry {
  handlers: Set<TopicHandler>;
  /**
   * Highest seq handed to the handlers: anything at or below is a duplicate.
   * The server sends an event once under each subscribed topic it matches,
   * so every topic keeps its own.
   */
  lastEventSeq: number | null;
  /** Where a re-subscription resumes (`since`). */
  cursor: number | null;
  /**
   * After a subscription with `since`, the server replays the missed events
   * right behind `subscribed` (whose seq is the head then). Only once a later
   * event proves the replay was fully received may the cursor jump to that
   * head; until then a drop resumes from the last replayed event.
   */
  pendingHead: number | null;
  presence: PresenceState | null;
  subscribed: boolean;
}

const OPEN = 1;

export class RealtimeClient {
  private ws: SocketLike | null = null;
  private topics = new Map<string, TopicEntry>();
  /** Request id → topic, to route `error` frames to the right views. */
  private requests = new Map<string, string>();
  private nextId = 1;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private pingSentAt: number | null = null;
  private running = false;
  private everOpened = false;
  private _state: ConnectionState = 'idle';
  private stateListeners = new Set<(s: ConnectionState) => void>();
  private closedListeners = new Set<(topic: string, code: string, message: string) => void>();
  private eventListeners = new Set<(frame: EventFrame) => void>();
  private changedListeners = new Set<(what: ChangedFrame['what']) => void>();
  /** When the next reconnect attempt is due (ms since the epoch), while waiting for it. */
  private _retryAt: number | null = null;
  private readonly o: Required<Omit<RealtimeOptions, 'onSessionEnded'>> & Pick<RealtimeOptions, 'onSessionEnded'>;

  constructor(options: RealtimeOptions) {
    this.o = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      random: Math.random,
      backoff: DEFAULT_BACKOFF,
      heartbeatMs: 25_000,
      heartbeatTimeoutMs: 10_000,
      ...options,
    };
  }

  get state(): ConnectionState {
    return this._state;
  }

  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** The server ended a subscription itself (a feature switched off). */
  onTopicClosed(fn: (topic: string, code: string, message: string) => void): () => void {
    this.closedListeners.add(fn);
    return () => this.closedListeners.delete(fn);
  }

  /**
   * Every event any view's topic receives, once per topic it arrived
   * under (the app sweeps its caches when a record was erased).
   */
  onAnyEvent(fn: (frame: EventFrame) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  /**
   * Something about the signed-in person or the workspace changed
   * (`access`, `branding`, `features`): read it again.
   */
  onChanged(fn: (what: ChangedFrame['what']) => void): () => void {
    this.changedListeners.add(fn);
    return () => this.changedListeners.delete(fn);
  }

  /** While reconnecting: when the next attempt is due. */
  get retryAt(): number | null {
    return this._retryAt;
  }

  start() {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  /** Closes for good (logout, tenant switch). Subscriptions are kept. */
  stop() {
    this.running = false;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      this.detach(ws);
      ws.close(1000, 'bye');
    }
    for (const e of this.topics.values()) e.subscribed = false;
    this.setState('closed');
  }

  /** Try now rather than after the backoff (the browser came back online). */
  reconnectNow() {
    if (!this.running || this._state === 'open' || this._state === 'connecting') return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this._retryAt = null;
    this.attempt = 0;
    void this.connect();
  }

  subscribe(topic: string, handler: TopicHandler): () => void {
    let entry = this.topics.get(topic);
    if (!entry) {
      entry = { handlers: new Set(), lastEventSeq: null, cursor: null, pendingHead: null, presence: null, subscribed: false };
      this.topics.set(topic, entry);
      if (this.isOpen()) this.sendSubscribe(topic, entry);
    }
    entry.handlers.add(handler);
    const e = entry;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      e.handlers.delete(handler);
      if (e.handlers.size === 0 && this.topics.get(topic) === e) {
        this.topics.delete(topic);
        if (this.isOpen()) this.send({ type: 'unsubscribe', id: this.id(), topic });
      }
    };
  }

  /** Announce what this tab does on a topic; kept and re-sent after reconnects. */
  setPresence(topic: string, state: PresenceState) {
    const e = this.topics.get(topic);
    if (!e) return;
    e.presence = state;
    if (this.isOpen() && e.subscribed) this.send({ type: 'presence', id: this.id(), topic, state });
  }

  /** For tests and diagnostics: where each topic would resume. */
  cursorOf(topic: string): number | null {
    return this.topics.get(topic)?.cursor ?? null;
  }

  private isOpen() {
    return this.ws !== null && this.ws.readyState === OPEN;
  }

  private setState(s: ConnectionState) {
    if (s === this._state) return;
    this._state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private id() {
    return `c${this.nextId++}`;
  }

  private send(frame: ClientFrame) {
    if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify(frame));
  }

  private sendSubscribe(topic: string, e: TopicEntry) {
    const id = this.id();
    this.requests.set(id, topic);
    e.subscribed = false;
    const frame: ClientFrame = { type: 'subscribe', id, topic };
    if (e.cursor !== null) frame.since = e.cursor;
    this.send(frame);
  }

  private async connect() {
    if (!this.running) return;
    this.setState(this.everOpened || this.attempt > 0 ? 'reconnecting' : 'connecting');
    let ticket: string;
    try {
      ticket = await this.o.getTicket();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (!this.running) return;
    let ws: SocketLike;
    try {
      ws = this.o.createSocket(this.o.url(ticket));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.everOpened = true;
      this.lastHeard = Date.now();
      this.requests.clear();
      for (const [topic, e] of this.topics) this.sendSubscribe(topic, e);
      this.startHeartbeat();
      this.setState('open');
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      this.pingSentAt = null;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame;
      } catch {
        return;
      }
      this.handle(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.lost();
      if (ev.code === CLOSE_SESSION_ENDED) this.o.onSessionEnded?.();
    };
    // An error is always followed by close; nothing to do twice.
    ws.onerror = () => {};
  }

  /** The socket is gone: forget it and come back later. */
  private lost() {
    const ws = this.ws;
    this.ws = null;
    if (ws) this.detach(ws);
    this.stopHeartbeat();
    for (const e of this.topics.values()) e.subscribed = false;
    if (this.running) this.scheduleReconnect();
    else this.setState('closed');
  }

  private detach(ws: SocketLike) {
    ws.onopen = ws.onmessage = ws.onerror = null;
    ws.onclose = null;
  }

  private scheduleReconnect() {
    if (!this.running || this.reconnectTimer) return;
    const delay = backoffDelay(this.attempt++, this.o.random, this.o.backoff);
    this._retryAt = Date.now() + delay;
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this._retryAt = null;
      void this.connect();
    }, delay);
  }

  private startHeartbeat() {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => this.beat(), Math.min(this.o.heartbeatMs, this.o.heartbeatTimeoutMs) / 2);
  }

  /**
   * A dead link (laptop asleep, Wi-Fi gone) may never fire `close`; a ping
   * that nothing answers is how we notice. The server's own pings are
   * answered by the browser and never reach us, so we send our own.
   */
  private beat() {
    const now = Date.now();
    if (this.pingSentAt !== null && now - this.pingSentAt >= this.o.heartbeatTimeoutMs) {
      const ws = this.ws;
      this.pingSentAt = null;
      this.lost();
      ws?.close(4000, 'heartbeat timeout');
      return;
    }
    if (this.pingSentAt === null && now - this.lastHeard >= this.o.heartbeatMs) {
      this.pingSentAt = now;
      this.send({ type: 'ping', id: this.id() });
    }
  }

  private stopHeartbeat() {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.pingSentAt = null;
  }

  private clearTimers() {
    this.stopHeartbeat();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private handle(f: ServerFrame) {
    switch (f.type) {
      case 'subscribed': {
        if (f.id) this.requests.delete(f.id);
        const e = this.topics.get(f.topic);
        if (!e) return;
        e.subscribed = true;
        if (e.cursor === null) e.cursor = f.seq;
        else if (f.seq > e.cursor) e.pendingHead = f.seq;
        if (e.presence) this.send({ type: 'presence', id: this.id(), topic: f.topic, state: e.presence });
        for (const h of [...e.handlers]) h.onSubscribed?.(f);
        return;
      }
      case 'event': {
        // Any event is proof that every replay queued before it has arrived.
        for (const e of this.topics.values()) {
          if (e.pendingHead !== null && f.seq > e.pendingHead) {
            e.cursor = Math.max(e.cursor ?? 0, e.pendingHead);
            e.pendingHead = null;
          }
        }
        const e = this.topics.get(f.topic);
        if (!e) return;
        if (e.lastEventSeq !== null && f.seq <= e.lastEventSeq) return;
        e.lastEventSeq = f.seq;
        e.cursor = Math.max(e.cursor ?? 0, f.seq);
        // An anonymised record's older event, overwritten: neither the
        // record (it has no fields) nor its end (it still exists). The
        // `.anonymised` and `.updated` events after it carry the record.
        if (isStub(f)) return;
        for (const h of [...e.handlers]) h.onEvent?.(f);
        for (const fn of this.eventListeners) fn(f);
        return;
      }
      case 'resync': {
        const e = this.topics.get(f.topic);
        if (!e) return;
        e.cursor = null;
        e.lastEventSeq = null;
        e.pendingHead = null;
        // Start the topic over (the server may have dropped it), then let
        // the views reload what they show.
        if (this.isOpen()) this.sendSubscribe(f.topic, e);
        for (const h of [...e.handlers]) h.onResync?.(f.reason);
        return;
      }
      // Derived frames: they share the event numbering but are not events,
      // so they move no resume cursor (a reconnect reloads what they show).
      case 'queue': {
        const e = this.topics.get(f.topic);
        for (const h of e ? [...e.handlers] : []) h.onQueue?.(f);
        return;
      }
      case 'dashboard': {
        const e = this.topics.get(f.topic);
        for (const h of e ? [...e.handlers] : []) h.onDashboard?.(f);
        return;
      }
      case 'presence': {
        const e = this.topics.get(f.topic);
        for (const h of e ? [...e.handlers] : []) h.onPresence?.(f.members);
        return;
      }
      case 'error': {
        const topic = f.id ? this.requests.get(f.id) : undefined;
        if (f.id) this.requests.delete(f.id);
        const e = topic ? this.topics.get(topic) : undefined;
        for (const h of e ? [...e.handlers] : []) h.onError?.(f.code, f.message);
        return;
      }
      case 'unsubscribed': {
        // Without a code it answers our own unsubscribe. With one, the
        // server ended the topic (`feature_disabled`): its views are told,
        // and so is the app (it reads the features again).
        if (!f.code) return;
        const e = this.topics.get(f.topic);
        if (e) e.subscribed = false;
        for (const h of e ? [...e.handlers] : []) h.onError?.(f.code, f.message ?? '');
        for (const fn of this.closedListeners) fn(f.topic, f.code, f.message ?? '');
        return;
      }
      case 'changed': {
        for (const fn of [...this.changedListeners]) fn(f.what);
        return;
      }
      case 'pong':
        return;
    }
  }
}
