import { afterEach, describe, expect, it, vi } from 'vitest';
import { msg } from '../../test/fixtures';
import { notifyMessage, setNotificationsEnabled } from './notifications';

class FakeNotification {
  static permission: NotificationPermission = 'granted';
  static created: FakeNotification[] = [];
  onclick: (() => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions,
  ) {
    FakeNotification.created.push(this);
  }
  close() {
    this.closed = true;
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  FakeNotification.created = [];
});

describe('notifications', () => {
  it('notifies when the tab is not attended; clicking focuses and opens the conversation', () => {
    vi.stubGlobal('Notification', FakeNotification);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    const focus = vi.spyOn(window, 'focus').mockImplementation(() => undefined);
    notifyMessage(msg({ text: 'ping', from: 'bob' }));
    const [n] = FakeNotification.created;
    expect(n?.title).toBe('bob');
    expect(n?.options.body).toBe('ping');
    n?.onclick?.();
    expect(focus).toHaveBeenCalled();
    expect(window.location.pathname).toBe('/c/bob');
    expect(n?.closed).toBe(true);
  });

  it('stays quiet while the tab is visible and focused, or without permission', () => {
    vi.stubGlobal('Notification', FakeNotification);
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    notifyMessage(msg({ text: 'ping' }));
    expect(FakeNotification.created).toHaveLength(0);

    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    FakeNotification.permission = 'denied';
    notifyMessage(msg({ text: 'ping' }));
    expect(FakeNotification.created).toHaveLength(0);
    FakeNotification.permission = 'granted';
  });

  it('titles a group message "Group · Sender" and opens the group on click', () => {
    vi.stubGlobal('Notification', FakeNotification);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    vi.spyOn(window, 'focus').mockImplementation(() => undefined);
    const id = '7d9c2f8e-3b1a-4c5d-9e8f-0a1b2c3d4e5f';
    notifyMessage(msg({ text: 'deploy?', from: 'bob', group: { id, name: 'Ops' } }));
    const [n] = FakeNotification.created;
    expect(n?.title).toBe('Ops · bob');
    expect(n?.options.tag).toBe(`group-${id}`);
    n?.onclick?.();
    expect(window.location.pathname).toBe(`/g/${id}`);
  });
});

describe('the sender’s name and the switch in Settings', () => {
  it('titles with the display name it is given', () => {
    vi.stubGlobal('Notification', FakeNotification);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    notifyMessage(msg({ text: 'hi', from: 'bob' }), 'Bob Builder');
    notifyMessage(msg({ text: 'deploy?', from: 'bob', group: { id: '7d9c2f8e-3b1a-4c5d-9e8f-0a1b2c3d4e5f', name: 'Ops' } }), 'Bob Builder');
    expect(FakeNotification.created.map((n) => n.title)).toEqual(['Bob Builder', 'Ops · Bob Builder']);
  });

  it('stays quiet while turned off here, whatever the permission', () => {
    vi.stubGlobal('Notification', FakeNotification);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    setNotificationsEnabled(false);
    try {
      notifyMessage(msg({ text: 'ping' }));
      expect(FakeNotification.created).toHaveLength(0);
    } finally {
      setNotificationsEnabled(true);
    }
    notifyMessage(msg({ text: 'ping' }));
    expect(FakeNotification.created).toHaveLength(1);
  });
});
