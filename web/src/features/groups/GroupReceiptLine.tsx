// Under my latest message in a group: "Delivered to N of M · Read by N of M". Activating it lists
// the names. Starts from the server's answer and follows receipt:update events (receipts.ts).
import { useId, useState } from 'react';
import { useGroupReceipts } from '../../api/group-messages';
import { useDisplayNames } from '../../api/profiles';
import { mergeReceipts, receiptsSummary, useLiveReceipts } from './receipts';

export function GroupReceiptLine({ group, messageId, fallbackOf, me }: { group: string; messageId: string; fallbackOf: number; me: string }) {
  const [open, setOpen] = useState(false);
  const answer = useGroupReceipts(group, messageId, true);
  const events = useLiveReceipts(messageId);
  const view = mergeReceipts(answer.data, events, fallbackOf, me);
  const listId = useId();
  const readBy = useDisplayNames(view.read);
  const deliveredTo = useDisplayNames(view.delivered);
  const names = (list: string[]) => (list.length === 0 ? 'nobody yet' : list.join(', '));
  return (
    <div className="group-receipts" data-testid="group-receipts">
      <button type="button" className="receipts-summary" aria-expanded={open} aria-controls={listId} onClick={() => setOpen((o) => !o)}>
        {receiptsSummary(view)}
      </button>
      {open && (
        <dl id={listId} className="receipts-names">
          <dt>Read by</dt>
          <dd>{names(readBy)}</dd>
          <dt>Delivered to</dt>
          <dd>{names(deliveredTo)}</dd>
        </dl>
      )}
    </div>
  );
}
