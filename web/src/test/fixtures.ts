// Test data and fakes shared by the component tests.
import type { ChatMessage, ClientToServerEvents, ServerToClientEvents } from '@messenger/protocol';
import type { ChatSocket } from '@messenger/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { outbox } from '../features/messages/outbox';

let seq = 0;
/** A message with a valid v7-shaped id that sorts by creation order. */
export function msg(partial: Partial<ChatMessage> & { text: string }, at = Date.UTC(2026, 10, 23, 10, 0, 0) + seq * 1000): ChatMessage {
  seq += 1;
  const hex = seq.toString(16).padStart(12, '0');
  return {
    id: `0192f5a4-7c1e-7a3b-9c4d-${hex}`,
    from: 'bob',
    to: 'alice',
    sentAt: new Date(at).toISOString(),
    state: 'sent',
    ...partial,
  };
}

export function testQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
}

/** render()'s options for a component that reads the query cache (a sender's display name does). */
export function withQueries(client = testQueryClient()) {
  return { wrapper: ({ children }: { children: ReactNode }) => createElement(QueryClientProvider, { client }, children) };
}

type Handler = (...args: unknown[]) => void;

/** A socket.io client stand-in: the test plays the server with `serverEmit`. */
export class FakeSocket {
  connected = false;
  readonly emitted: { event: string; payload: unknown }[] = [];
  private readonly handlers = new Map<string, Set<Handler>>();

  on(event: string, handler: Handler) {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return this;
  }
  off(event: string, handler: Handler) {
    this.handlers.get(event)?.delete(handler);
    return this;
  }
  removeAllListeners() {
    this.handlers.clear();
    return this;
  }
  emit(event: string, payload: unknown, ack?: (answer: unknown) => void) {
    this.emitted.push({ event, payload });
    if (event === 'presence:query' && ack) ack({ ok: true, data: { online: [], strangers: [] } });
    return this;
  }
  /** socket.io's "will reconnect by itself": a stand-in never does. */
  get active() {
    return this.connected;
  }
  /** Acknowledged emits (the client's message:ack): recorded, and answered as the server would. */
  timeout(_ms: number) {
    return {
      emitWithAck: (event: string, payload: unknown) => {
        this.emitted.push({ event, payload });
        const ids = (payload as { ids?: unknown[] }).ids ?? [];
        return Promise.resolve({ ok: true, data: { acknowledged: ids.length } });
      },
    };
  }
  connect() {
    this.connected = true;
    this.fire('connect');
    return this;
  }
  disconnect() {
    this.connected = false;
    return this;
  }
  /** Server-side events (and connect/disconnect) as the client would receive them. */
  fire(event: keyof ServerToClientEvents | 'connect' | 'disconnect', ...args: unknown[]) {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(...args);
  }
  sent<E extends keyof ClientToServerEvents>(event: E): Parameters<ClientToServerEvents[E]>[0][] {
    return this.emitted.filter((e) => e.event === event).map((e) => e.payload as Parameters<ClientToServerEvents[E]>[0]);
  }
  asSocket(): ChatSocket {
    return this as unknown as ChatSocket;
  }
}

/**
 * Lets promises run out: subscribe() connects after it returns and hands messages over
 * asynchronously, one after the other. With fake timers, their clock moves by nothing.
 */
export async function settle() {
  await act(async () => {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0);
    else await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

/** The server's side of a connect: after subscribe() connected the stand-in, a catch-up of `missed` and sync:done. */
export async function goLive(fake: FakeSocket, missed: ChatMessage[] = []) {
  await settle();
  act(() => {
    if (missed.length > 0) fake.fire('message:batch', { messages: missed });
    fake.fire('sync:done', { delivered: missed.length });
  });
  await settle();
}

/** jsdom has no layout: give the message list a viewport and every row a height. */
export function fakeLayout(viewport = 600, row = 50) {
  const proto = HTMLElement.prototype;
  const client = Object.getOwnPropertyDescriptor(proto, 'clientHeight');
  const offset = Object.getOwnPropertyDescriptor(proto, 'offsetHeight');
  Object.defineProperty(proto, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('message-scroll') ? viewport : 0;
    },
  });
  Object.defineProperty(proto, 'offsetHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('row') ? row : 0;
    },
  });
  return () => {
    if (client) Object.defineProperty(proto, 'clientHeight', client);
    if (offset) Object.defineProperty(proto, 'offsetHeight', offset);
  };
}

/** fakeLayout() for every test of the calling file, undone after the last. */
export function withFakeLayout(viewport?: number, row?: number) {
  let restore: (() => void) | undefined;
  beforeAll(() => {
    restore = fakeLayout(viewport, row);
  });
  afterAll(() => restore?.());
}

/** A whole conversation screen: a fake layout, and no stubbed fetch or unsent message carried into the next test. */
export function withConversationScreen() {
  withFakeLayout();
  afterEach(() => {
    vi.unstubAllGlobals();
    outbox.set([]);
  });
}

/** A JSON answer as the server gives it (no body for 204). */
export const jsonResponse = (status: number, body?: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
