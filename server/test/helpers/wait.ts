// The one way tests wait for a condition: poll with a deadline, never a fixed sleep.

/** Polls `condition` every `everyMs` until it holds; fails after `ms`, naming `what`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
