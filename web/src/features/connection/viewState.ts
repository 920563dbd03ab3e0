// What the user is looking at: the open conversation and whether the tab is visible. The socket
// handlers read it to decide about unread counts and notifications; focus:set reports it.
import { useSyncExternalStore } from 'react';
import { createStore } from '../../lib/store';

export interface ViewState {
  openPeer: string | null;
  visible: boolean;
}

export const viewState = createStore<ViewState>({
  openPeer: null,
  visible: typeof document === 'undefined' ? true : document.visibilityState === 'visible',
});

export function setOpenPeer(openPeer: string | null) {
  viewState.set((v) => (v.openPeer === openPeer ? v : { ...v, openPeer }));
}

export function setVisible(visible: boolean) {
  viewState.set((v) => (v.visible === visible ? v : { ...v, visible }));
}

/** True when `peer`'s conversation is on screen in a visible tab. */
export function isReading(peer: string): boolean {
  const v = viewState.get();
  return v.visible && v.openPeer === peer;
}

export function useViewState(): ViewState {
  return useSyncExternalStore(viewState.subscribe, viewState.get);
}
