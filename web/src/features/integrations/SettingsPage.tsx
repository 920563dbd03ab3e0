// /settings: bots, API tokens and incoming webhooks (issue 16). A page rather than a dialog, because a secret is shown
// over it and a list of tokens grows; on a phone it takes the screen like a conversation does.
import { useId } from 'react';
import { useGroups } from '../../api/groups';
import { useBots } from '../../api/integrations';
import { BackIcon } from '../../components/Icons';
import { navigate } from '../../lib/router';
import { BotsSection } from './BotsSection';
import { TokensSection } from './TokensSection';
import { WebhooksSection } from './WebhooksSection';

export function SettingsPage({ me }: { me: string }) {
  const bots = useBots();
  const groups = useGroups();
  const title = useId();
  return (
    <section className="settings" aria-labelledby={title}>
      <header className="conversation-header">
        <button type="button" className="icon-button back" aria-label="Back to conversations" onClick={() => navigate('/')}>
          <BackIcon />
        </button>
        <div className="conversation-heading">
          <h2 id={title}>Bots, tokens and webhooks</h2>
          <p className="muted small">For scripts, bots and agents that use the API as you or as a bot.</p>
        </div>
      </header>
      <div className="settings-body">
        <TokensSection me={me} bots={bots.data ?? []} />
        <BotsSection />
        <WebhooksSection bots={bots.data ?? []} groups={groups.data ?? []} />
      </div>
    </section>
  );
}
