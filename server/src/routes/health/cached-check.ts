// A check that costs a round trip (Kafka, for /readyz), shared by concurrent callers and reused
// for `ttlMs`, so a burst of probes (or of requests meant to hurt) makes one round trip, not one each.
export function cachedCheck(
  check: () => Promise<boolean>,
  ttlMs: number,
  now: () => number = () => performance.now(),
): () => Promise<boolean> {
  let last: { ok: boolean; at: number } | undefined;
  let inFlight: Promise<boolean> | undefined;
  return () => {
    if (last && now() - last.at < ttlMs) return Promise.resolve(last.ok);
    inFlight ??= check()
      .catch(() => false)
      .then((ok) => {
        last = { ok, at: now() };
        inFlight = undefined;
        return ok;
      });
    return inFlight;
  };
}
