// Optimistic sending: the message shows at once ("sending"), becomes "sent" on the 202, and on
// failure offers Retry with the same Idempotency-Key. Each send names this tab's socket, so the
// server pushes the message to the user's other screens but not back here (a frame per message
// less). An answer lost on the way then shows "failed"; Retry reuses the key and gets the same
// message, never a second one.
import type { ReplyRef } from '@messenger/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import { ApiError } from '../../api/http';
import { useConnection } from '../connection/liveState';
import { useSocket } from '../connection/SocketProvider';
import { sendGroupMessage } from '../../api/group-messages';
import { sendMessage } from '../../api/send';
import { newKey } from '../../lib/ids';
import { mayPass } from '../../lib/query-retry';
import { ingestMessages } from './ingest';
import { addToOutbox, groupOutboxKey, outbox, removeFromOutbox, updateOutbox } from './outbox';

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'kafka_unavailable') return 'Server busy. Not sent.';
    if (error.code === 'network_error') return 'Offline. Not sent.';
    if (error.code === 'rate_limited') return 'Too fast. Not sent.';
    return error.message;
  }
  return 'Not sent.';
}

export function useSendMessage(me: string) {
  const client = useQueryClient();
  const socket = useSocket();

  const attempt = useCallback(
    async (key: string) => {
      const entry = outbox.get().find((e) => e.key === key);
      if (!entry) return;
      updateOutbox(key, { status: 'sending', error: undefined, retryable: undefined });
      try {
        const { group } = entry;
        // Read at each attempt: the socket's id changes when it reconnects.
        const socketId = socket?.connected ? socket.id : undefined;
        const replyTo = entry.replyTo?.id;
        const accepted = group ? await sendGroupMessage(group.id, entry.text, key, socketId, replyTo) : await sendMessage(entry.to, entry.text, key, socketId, replyTo);
        // Signed out while it was on its way: the outbox was emptied, and the cache may already
        // be someone else's, so the answer goes nowhere.
        if (!outbox.get().some((e) => e.key === key)) return;
        // A group message: my own copy, addressed to me and stored delivered (the server's shape).
        const quote = entry.replyTo ? { replyTo: entry.replyTo } : {};
        const message = group
          ? { id: accepted.id, from: me, to: me, text: entry.text, sentAt: accepted.sentAt, state: 'delivered' as const, group, ...quote }
          : { id: accepted.id, from: me, to: entry.to, text: entry.text, sentAt: accepted.sentAt, state: 'sent' as const, ...quote };
        ingestMessages(client, me, [message], { live: true });
        removeFromOutbox(key);
      } catch (error) {
        // The server already delivered it back to us: it was sent, only the answer got lost.
        if (outbox.get().find((e) => e.key === key)?.echoOf) return removeFromOutbox(key);
        updateOutbox(key, { status: 'failed', error: describe(error), retryable: mayPass(error) });
      }
    },
    [client, me, socket],
  );

  const send = useCallback(
    (to: string, text: string, replyTo?: ReplyRef) => {
      const key = newKey();
      addToOutbox({ key, to, text, ...(replyTo ? { replyTo } : {}), createdAt: new Date().toISOString(), status: 'sending' });
      void attempt(key);
    },
    [attempt],
  );

  const sendToGroup = useCallback(
    (group: { id: string; name: string }, text: string, replyTo?: ReplyRef) => {
      const key = newKey();
      addToOutbox({ key, to: groupOutboxKey(group.id), group, text, ...(replyTo ? { replyTo } : {}), createdAt: new Date().toISOString(), status: 'sending' });
      void attempt(key);
    },
    [attempt],
  );

  const retry = useCallback((key: string) => void attempt(key), [attempt]);
  const discard = useCallback((key: string) => removeFromOutbox(key), []);
  return { send, sendToGroup, retry, discard };
}

/**
 * Sends again, by itself, every message that failed for a reason that passes, each with its own
 * Idempotency-Key, whenever the connection is (back) live: after a network drop, a server restart
 * or a reload (the outbox survives it). A message the server had taken after all comes back with
 * its first id, never as a second message.
 */
export function useResendWhenOnline(me: string): void {
  const { retry } = useSendMessage(me);
  const { status } = useConnection();
  useEffect(() => {
    if (status !== 'live') return;
    for (const entry of outbox.get()) if (entry.status === 'failed' && entry.retryable) retry(entry.key);
  }, [status, retry]);
}
