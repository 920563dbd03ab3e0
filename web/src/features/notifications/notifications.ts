// Browser notifications for messages that arrive while the tab is hidden or unfocused. Never
// for the conversation the user is looking at, nor when the person turned them off here
// (Settings → Notifications). Permission is asked only from a button. The app plays no sound:
// the operating system's notification sound is the one people have already chosen.
import type { ChatMessage } from '@messenger/protocol';
import { useSyncExternalStore } from 'react';
import { conversationPath, groupPath, navigate } from '../../lib/router';
import { createStore } from '../../lib/store';
import { persistPerUser } from '../../lib/user-storage';
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

/**
 * This browser's own switch, per signed-in user, on by default. Apart from the permission: a
 * permission once granted cannot be taken back from a page, only in the browser's settings.
 */
const enabled = createStore<boolean>(true);
persistPerUser('notifications', enabled, {
  empty: true,
  isEmpty: (on) => on,
  toJson: (on) => on,
  fromJson: (raw) => raw !== false,
});

export function useNotificationsEnabled(): boolean {
  return useSyncExternalStore(enabled.subscribe, enabled.get);
}

export function setNotificationsEnabled(on: boolean): void {
  enabled.set(on);
}

function tabIsAttended(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

/** Whether a message arriving now would be shown: worth looking up the sender's name for. */
export function wouldNotify(): boolean {
  return enabled.get() && currentPermission() === 'granted' && !tabIsAttended();
}

/** `senderName`: how the sender is shown (their display name); their username without one. */
export function notifyMessage(message: ChatMessage, senderName: string = message.from): void {
  if (!wouldNotify()) return;
  const text = plainText(message.text);
  const preview = text.length > 140 ? `${text.slice(0, 140)}…` : text;
  try {
    // dir: 'auto' lets the OS lay out a right-to-left message; overrides were dropped (bidi.ts).
    // A group message is titled "Group · Sender", like the desktop agent's.
    const { group } = message;
    const title = group ? `${group.name} · ${senderName}` : senderName;
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
