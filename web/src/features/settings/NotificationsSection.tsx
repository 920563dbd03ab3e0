// Settings → Notifications: the browser's permission (asked only from a click), this browser's
// own on/off switch (notifications.ts honours it), and where per-conversation muting lives.
import { useId } from 'react';
import {
  requestNotificationPermission,
  setNotificationsEnabled,
  useNotificationsEnabled,
  usePermission,
  type Permission,
} from '../notifications/notifications';

const PERMISSION_TEXT: Record<Permission, string> = {
  granted: 'Allowed in this browser.',
  default: 'Not allowed yet: this browser will ask when you turn them on.',
  denied: 'Blocked in this browser. Allow notifications for this site in the browser’s settings, then reload.',
  unsupported: 'This browser cannot show notifications.',
};

export function NotificationsSection() {
  const permission = usePermission();
  const enabled = useNotificationsEnabled();
  const ids = { title: useId(), toggle: useId(), state: useId() };
  return (
    <section className="settings-section" aria-labelledby={ids.title}>
      <h3 id={ids.title}>Notifications</h3>
      <p className="muted small">Desktop notifications for new messages while this tab is hidden or in the background. The sound is your system’s.</p>
      <label className="toggle-row" htmlFor={ids.toggle}>
        <input
          id={ids.toggle}
          type="checkbox"
          role="switch"
          checked={enabled && permission === 'granted'}
          disabled={permission === 'denied' || permission === 'unsupported'}
          aria-describedby={ids.state}
          onChange={(e) => {
            const on = e.target.checked;
            setNotificationsEnabled(on);
            // Turning them on is the click browsers require before they prompt.
            if (on && permission === 'default') void requestNotificationPermission();
          }}
        />
        <span>Show desktop notifications in this browser</span>
      </label>
      <p id={ids.state} className="hint" data-permission={permission}>
        {PERMISSION_TEXT[permission]}
      </p>
      <p className="muted small">
        To quiet one conversation or group everywhere (every browser and the desktop notifier), use the bell in its header, or Mute in its menu in the list.
      </p>
    </section>
  );
}
