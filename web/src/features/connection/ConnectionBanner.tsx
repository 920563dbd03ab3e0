// Tells the user when live updates are paused, and when the app has caught up again.
import { useEffect, useState } from 'react';
import { useConnection } from './liveState';

const CAUGHT_UP_MS = 3000;

export function ConnectionBanner() {
  const { status, caughtUpAt, everConnected } = useConnection();
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (caughtUpAt === null) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.max(0, caughtUpAt + CAUGHT_UP_MS - Date.now()) + 10);
    return () => clearTimeout(timer);
  }, [caughtUpAt]);

  let text: string | null = null;
  let kind = 'info';
  if (status === 'reconnecting' || (status === 'connecting' && everConnected)) {
    text = 'Connection lost. Reconnecting…';
    kind = 'warn';
  } else if (status === 'syncing' && everConnected) {
    text = 'Catching up…';
  } else if (status === 'live' && caughtUpAt !== null && now < caughtUpAt + CAUGHT_UP_MS) {
    text = 'Caught up';
    kind = 'ok';
  }
  return (
    <div className="banner-slot" role="status" aria-live="polite" data-connection={status}>
      {text && <div className={`banner banner-${kind}`}>{text}</div>}
    </div>
  );
}
