// Routes: /signin, /signup, / (conversation list), /c/:peer (a conversation), /g/:id (a group),
// /settings (bots and API tokens).
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import { endSessionLocally, useMe } from './api/me';
import { AuthScreen } from './features/auth/AuthScreen';
import { ChatLayout } from './features/conversations/ChatLayout';
import { SocketProvider } from './features/connection/SocketProvider';
import { navigate, rememberReturnTo, takeReturnTo, useRoute } from './lib/router';

export function App() {
  const me = useMe();
  const route = useRoute();
  const client = useQueryClient();
  const username = me.data?.username ?? null;
  const onAuthRoute = route.name === 'signin' || route.name === 'signup';

  useEffect(() => {
    if (me.isPending || me.isError) return;
    if (!username && !onAuthRoute) {
      rememberReturnTo(window.location.pathname);
      navigate('/signin', { replace: true });
    }
    if (username && onAuthRoute) navigate(takeReturnTo(), { replace: true });
  }, [me.isPending, me.isError, username, onAuthRoute]);

  const onSessionEnded = useCallback(() => endSessionLocally(client), [client]);

  if (me.isPending) {
    return (
      <div className="splash" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" /> Loading…
      </div>
    );
  }
  if (me.isError) {
    return (
      <div className="splash" role="alert">
        <p>Cannot reach the server.</p>
        <button className="primary" type="button" onClick={() => void me.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (!username) return <AuthScreen mode={route.name === 'signup' ? 'signup' : 'signin'} />;
  return (
    <SocketProvider me={username} onSessionEnded={onSessionEnded}>
      <ChatLayout
        me={username}
        peer={route.name === 'conversation' ? route.peer : null}
        group={route.name === 'group' ? route.id : null}
        settings={route.name === 'settings'}
      />
    </SocketProvider>
  );
}
