// /settings: one page for everything about the account: profile, password, notifications, and the
// bots, API tokens and webhooks of issue 16. A page rather than a dialog, because a secret is shown
// over it and the lists grow; on a phone it takes the screen like a conversation does.
import { useId } from 'react';
import { useGroups } from '../../api/groups';
import { useBots } from '../../api/integrations';
import { BackIcon } from '../../components/Icons';
import { navigate } from '../../lib/router';
import { BotsSection } from '../integrations/BotsSection';
import { TokensSection } from '../integrations/TokensSection';
import { WebhooksSection } from '../integrations/WebhooksSection';
import { NotificationsSection } from './NotificationsSection';
import { PasswordSection } from './PasswordSection';
import { ProfileSection } from './ProfileSection';

export function SettingsPage({ me }: { me: string }) {
  const bots = useBots();
  const groups = useGroups();
  const ids = { title: useId(), integrations: useId() };
  return (
    <section className="settings" aria-labelledby={ids.title}>
      <header className="conversation-header">
        <button type="button" className="icon-button back" aria-label="Back to conversations" onClick={() => navigate('/')}>
          <BackIcon />
        </button>
        <div className="conversation-heading">
          <h2 id={ids.title}>Settings</h2>
          <p className="muted small">Your profile, password and notifications; bots, tokens and webhooks.</p>
        </div>
      </header>
      <div className="settings-body">
        <ProfileSection me={me} />
        <PasswordSection me={me} />
        <NotificationsSection />
        <section className="settings-group" aria-labelledby={ids.integrations}>
          <div className="settings-group-heading">
            <h3 id={ids.integrations}>Bots, tokens and webhooks</h3>
            <p className="muted small">For scripts, bots and agents that use the API as you or as a bot.</p>
          </div>
          <TokensSection me={me} bots={bots.data ?? []} />
          <BotsSection />
          <WebhooksSection bots={bots.data ?? []} groups={groups.data ?? []} />
        </section>
      </div>
    </section>
  );
}
