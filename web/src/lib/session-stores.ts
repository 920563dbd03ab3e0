// Everything this tab holds for the signed-in user registers a reset here, so that signing out
// (or losing the session) leaves nothing for whoever signs in next on the same tab: no failed
// message to see or Retry under their cookie, no draft, no typing or presence state.
// The query cache is cleared by endSessionLocally(); the theme is the device's, not the user's.

const resets = new Set<() => void>();

/** Registers how to empty one per-user store. Call at module load, beside the store. */
export function registerSessionStore(reset: () => void): void {
  resets.add(reset);
}

/** Empties every registered per-user store. */
export function clearSessionStores(): void {
  for (const reset of resets) reset();
}
