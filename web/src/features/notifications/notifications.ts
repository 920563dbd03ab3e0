// Browser notifications for messages that arrive while the tab is hidden or unfocused. Never
// for the conversation the user is looking at. Permission is asked only from a button.
import type { ChatMessage } from '@messenger/protocol';
import { useSyncExternalStore } from 'react';
import { conversationPath, groupPath, navigate } from '../../lib/router';
import { createStore } from '../../lib/store';
import { plainText } from '../messages/rich-text';

export type Permission = NotificationPermission | 'unsupported';

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

const permission = createStore<Permission>(currentPermission());

export function usePermission(): Permission {
  return useSyncExternalStore(permission.subscribe, permission.get);
}

/** Call from a click handler: browsers only prompt on a user gesture. */
export async function requestNotificationPermission(): Promise<Permission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  const answer = await Notification.requestPermission();
  permission.set(answer);
  return answer;
}

function tabIsAttended(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

export function notifyMessage(message: ChatMessage): void {
  if (currentPermission() !== 'granted' || tabIsAttended()) return;
  const text = plainText(message.text);
  const preview = text.length > 140 ? `${text.slice(0, 140)}…` : text;
  try {
    // dir: 'auto' lets the OS lay out a right-to-left message; overrides were dropped (bidi.ts).
    // A group message is titled "Group · Sender", like the desktop agent's.
    const { group } = message;
    const title = group ? `${group.name} · ${message.from}` : message.from;
    const tag = group ? `group-${group.id}` : `chat-${message.from}`;
    const n = new Notification(title, { body: preview, dir: 'auto', tag, icon: '/favicon.svg' });
    n.onclick = () => {
      window.focus();
      navigate(group ? groupPath(group.id) : conversationPath(message.from));
      n.close();
    };
  } catch {
    // Some platforms (Android Chrome) only allow notifications from a service worker.
  }
}
