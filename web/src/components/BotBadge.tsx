// The "bot" mark beside a bot account's name (PublicUser.bot, Conversation.bot): the word itself,
// so a screen reader reads "ci-bot, bot" and nobody takes a script's message for a person's.
export function BotBadge() {
  return (
    <span className="bot-badge" title="A bot account: messages come from a program, not a person" data-testid="bot-badge">
      bot
    </span>
  );
}
