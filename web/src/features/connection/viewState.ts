// What the user is looking at: the open conversation and whether the tab is visible. The socket
// handlers read it to decide about unread counts and notifications; focus:set reports it.
import { useSyncExternalStore } from 'react';
import { createStore } from '../../lib/store';

export interface ViewState {
  openPeer: string | null;
  /** The group on screen, if a group is open instead of a 1:1 conversation. */
  openGroup: string | null;
  visible: boolean;
}

export const viewState = createStore<ViewState>({
  openPeer: null,
  openGroup: null,
  visible: typeof document === 'undefined' ? true : document.visibilityState === 'visible',
});

export function setOpenPeer(openPeer: string | null) {
  viewState.set((v) => (v.openPeer === openPeer ? v : { ...v, openPeer }));
}

export function setOpenGroup(openGroup: string | null) {
  viewState.set((v) => (v.openGroup === openGroup ? v : { ...v, openGroup }));
}

export function setVisible(visible: boolean) {
  viewState.set((v) => (v.visible === visible ? v : { ...v, visible }));
}

/** True when `peer`'s conversation is on screen in a visible tab. */
export function isReading(peer: string): boolean {
  const v = viewState.get();
  return v.visible && v.openPeer === peer;
}

/** True when group `id` is on screen in a visible tab. */
export function isReadingGroup(id: string): boolean {
  const v = viewState.get();
  return v.visible && v.openGroup === id;
}

/** What focus:set says: the conversation or group a visible tab shows, or nothing. */
export function focusPayload(v: ViewState): { peer: string | null; group?: string } {
  if (!v.visible) return { peer: null };
  if (v.openGroup) return { peer: null, group: v.openGroup };
  return { peer: v.openPeer };
}

export function useViewState(): ViewState {
  return useSyncExternalStore(viewState.subscribe, viewState.get);
}
