// The groups scenario: users in groups of 10, 100 and 1,000 members, each size its own phase,
// senders drawn from the members, R group messages/s chosen per size so that the copies per
// second (R × members) stay the same; and a 1:1 phase at that same rate on the same server and
// sockets before and after them, so "server CPU per delivered copy ≤ that of a 1:1 message" is
// judged in one run, against a baseline that brackets the machine's drift.
import { Group, GroupApiPaths, check, type CreateGroupBody } from '@messenger/protocol';
import { Pool } from 'undici';
import type { BenchUser } from './env.js';
import { LoadCluster, type LoadRunResult } from './load.js';
import type { RunGroup } from './protocol.js';
import { ensureUsers, lagAfter, measure, type Context, type GroupsSettings, type LagReport, type ServerUsage } from './scenarios.js';
import { round } from './stats.js';

/** Server CPU per group copy over that per 1:1 message, at every size: at most this. */
export const GROUPS_MAX_CPU_RATIO = 1;

export interface GroupsPhase {
  /** `direct`: the 1:1 baseline (one copy per message) */
  kind: 'direct' | 'group';
  /** members per group (1 for the baseline: its recipient) */
  members: number;
  groups: number;
  /** messages per second offered (R) */
  rate: number;
  durationS: number;
  issued: number;
  accepted: number;
  achievedRate: number;
  /** copies owed: each accepted message × its group's members */
  expectedCopies: number;
  delivered: number;
  copiesPerSecond: number;
  /** messages every member got */
  complete: number;
  lost: number;
  duplicates: number;
  /** copies to someone outside the group */
  extra: number;
  deliveredNotAccepted: number;
  sendErrors: Record<string, number>;
  /** send → the last member's screen (the recipient's, 1:1), ms */
  p50: number;
  p99: number;
  max: number;
  latencySamples: number;
  /** POST start → 202, ms */
  answerP50: number;
  answerP99: number;
  server: Omit<ServerUsage, 'timeline'>;
  /** server CPU ms per delivered copy */
  cpuMsPerCopy: number;
  /** cpuMsPerCopy over the 1:1 baselines' mean */
  cpuRatio: number;
  lag: LagReport;
  /** warnings and errors the server logged during the phase (the first ones are in the bench log) */
  serverLogLines: number;
  disconnects: number;
  generatorSaturated: boolean;
  backpressured: boolean;
}

export interface GroupsResult {
  settings: GroupsSettings;
  users: number;
  createGroupsMs: number;
  connectMs: number;
  /** the 1:1 phase before the group phases and the one after */
  baselines: GroupsPhase[];
  /** their mean CPU per message: what every group size is compared with */
  baselineCpuMsPerCopy: number;
  phases: GroupsPhase[];
  goal: { maxRatio: number; worstRatio: number; worstMembers: number; lost: number; duplicates: number; met: boolean | null };
}

export function checkGroupsSettings(s: GroupsSettings): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(s.users) && s.users >= 2 && s.users <= 10_000)) problems.push(`users: ${s.users} is not a whole number from 2 to 10000`);
  if (s.sizes.length === 0 || s.sizes.length > 6) problems.push('sizes: 1 to 6 group sizes');
  for (const n of s.sizes) {
    if (!(Number.isInteger(n) && n >= 2 && n <= s.users)) problems.push(`size ${n}: not a whole number from 2 to the users (${s.users})`);
  }
  if (!(s.copiesPerSecond > 0 && s.copiesPerSecond <= 20_000)) problems.push(`copies/s: ${s.copiesPerSecond} is not in (0, 20000]`);
  if (!(s.durationS > 0 && s.durationS <= 600)) problems.push(`duration: ${s.durationS} s is not in (0, 600]`);
  if (!(s.warmupS >= 0 && s.warmupS < s.durationS)) problems.push(`warm-up: ${s.warmupS} s must be shorter than a phase`);
  return problems;
}

/**
 * Creates groups of `size` over the users through the REST API, each a run of consecutive users
 * (the first owns it), as many whole groups as fit. Bounded: a few in flight, 5 minutes at most.
 */
export async function createGroups(url: string, users: BenchUser[], size: number, label: string): Promise<RunGroup[]> {
  const count = Math.floor(users.length / size);
  const pool = new Pool(url, { connections: 4 });
  const out: RunGroup[] = [];
  const deadline = Date.now() + 5 * 60_000;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(4, count) }, async () => {
        while (next < count) {
          if (Date.now() > deadline) throw new Error(`groups: creating ${count} groups of ${size} took over 5 minutes`);
          const g = next++;
          const members = Array.from({ length: size }, (_, k) => g * size + k);
          const [owner, ...rest] = members.map((i) => users[i]);
          if (!owner) throw new Error(`groups: no user ${g * size}`);
          const res = await pool.request({
            method: 'POST',
            path: GroupApiPaths.groups,
            headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `${label} ${size}.${g}`, members: rest.flatMap((u) => (u ? [u.username] : [])) } satisfies CreateGroupBody),
          });
          const body: unknown = await res.body.json();
          if (res.statusCode !== 201 || !check(Group, body)) throw new Error(`groups: POST ${GroupApiPaths.groups} answered ${res.statusCode} ${JSON.stringify(body).slice(0, 200)}`);
          out.push({ id: body.id, members });
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return out;
}

interface PhaseFacts {
  kind: GroupsPhase['kind'];
  members: number;
  groups: number;
  rate: number;
  lag: LagReport;
  serverLogLines: number;
}

function phase({ kind, members, groups, rate, lag, serverLogLines }: PhaseFacts, r: LoadRunResult, usage: ServerUsage): GroupsPhase {
  const { timeline: _timeline, ...server } = usage;
  return {
    kind,
    members,
    groups,
    rate: round(rate, 3),
    durationS: r.durationS,
    issued: r.issued,
    accepted: r.accepted,
    achievedRate: r.achievedRate,
    expectedCopies: r.group?.expectedCopies ?? r.accepted,
    delivered: r.delivered,
    copiesPerSecond: r.deliveredRate,
    complete: r.group?.complete ?? r.delivered,
    lost: r.lost,
    duplicates: r.duplicates,
    extra: r.group?.extra ?? 0,
    deliveredNotAccepted: r.deliveredNotAccepted,
    sendErrors: r.sendErrors,
    p50: round(r.latency.p50, 2),
    p99: round(r.latency.p99, 2),
    max: round(r.latency.max, 2),
    latencySamples: r.latency.count,
    answerP50: round(r.answerLatency.p50, 2),
    answerP99: round(r.answerLatency.p99, 2),
    server,
    cpuMsPerCopy: usage.cpuMsPerMessage,
    cpuRatio: NaN,
    lag,
    serverLogLines,
    disconnects: r.generator.reduce((a, g) => a + g.disconnects, 0),
    generatorSaturated: r.generatorSaturated,
    backpressured: r.backpressured,
  };
}

export async function groups(ctx: Context): Promise<GroupsResult> {
  const s = ctx.settings.groups;
  const problems = checkGroupsSettings(s);
  if (problems.length) throw new Error(`groups settings: ${problems.join('; ')}`);
  const users = await ensureUsers(ctx, s.users);
  // Every size's groups exist before any socket connects: each user is in one group per size.
  const label = `bench${Date.now().toString(36)}`;
  const t0 = Date.now();
  const bySize = new Map<number, RunGroup[]>();
  for (const size of s.sizes) {
    bySize.set(size, await createGroups(ctx.server.url, users, size, label));
    ctx.log(`groups: ${bySize.get(size)?.length} groups of ${size} created`);
  }
  const createGroupsMs = Date.now() - t0;
  const cluster = await LoadCluster.start({ url: ctx.server.url, users, workers: ctx.settings.workers });
  try {
    const c = await cluster.connect(100);
    if (c.connected < users.length) throw new Error(`groups: ${c.connected} of ${users.length} sockets connected (${c.failed} failed: ${c.firstError ?? '?'})`);
    ctx.log(`groups: ${c.connected} sockets connected in ${c.ms} ms`);
    const run = async (kind: GroupsPhase['kind'], members: number, runGroups: RunGroup[] | undefined) => {
      const rate = s.copiesPerSecond / members;
      ctx.log(`groups: ${kind === 'direct' ? '1:1 baseline' : `groups of ${members}`}, ${round(rate, 2)} msg/s (${s.copiesPerSecond} copies/s) for ${s.durationS} s…`);
      const lines0 = ctx.server.loggedLines?.() ?? 0;
      const { result, usage } = await measure(ctx.server, (x) => x.delivered, () =>
        cluster.run({
          rate,
          durationS: s.durationS,
          warmupS: s.warmupS,
          textBytes: ctx.settings.textBytes,
          drainTimeoutS: s.drainTimeoutS,
          ...(runGroups ? { groups: runGroups } : {}),
        }),
      );
      const lag = await lagAfter(ctx.server);
      const serverLogLines = (ctx.server.loggedLines?.() ?? 0) - lines0;
      const p = phase({ kind, members, groups: runGroups?.length ?? 0, rate, lag, serverLogLines }, result, usage);
      ctx.log(
        `groups: ${p.copiesPerSecond} copies/s, ${p.cpuMsPerCopy} ms CPU/copy, to the last member p50 ${p.p50} ms p99 ${p.p99} ms, ` +
          `lost ${p.lost}, dup ${p.duplicates}, send errors ${JSON.stringify(p.sendErrors)}`,
      );
      return p;
    };
    // Both paths run once, unmeasured, before anything is measured: JIT compilation and first
    // connections (the fan-out producer opens its transactional producer on the first group
    // message) would otherwise be billed to whichever phase came first.
    if (s.warmupS > 0) {
      ctx.log(`groups: warming up both paths, ${s.warmupS} s each (not measured)…`);
      const first = bySize.get(s.sizes[0] ?? 0) ?? [];
      const base = { durationS: s.warmupS, warmupS: 0, textBytes: ctx.settings.textBytes, drainTimeoutS: s.drainTimeoutS };
      await cluster.run({ ...base, rate: s.copiesPerSecond });
      await cluster.run({ ...base, rate: s.copiesPerSecond / (s.sizes[0] ?? 1), groups: first });
    }
    // The machine is shared: what else runs on it changes from minute to minute, and with it how
    // much the server batches. A 1:1 phase on each side of the group phases shows that drift (the
    // two differ) and averages it out of the comparison.
    const baselines = [await run('direct', 1, undefined)];
    const phases: GroupsPhase[] = [];
    for (const size of s.sizes) phases.push(await run('group', size, bySize.get(size) ?? []));
    baselines.push(await run('direct', 1, undefined));
    const base = round(baselines.reduce((a, b) => a + b.cpuMsPerCopy, 0) / baselines.length, 4);
    for (const p of [...baselines, ...phases]) p.cpuRatio = base > 0 ? round(p.cpuMsPerCopy / base, 2) : NaN;
    const worst = phases.reduce<GroupsPhase | undefined>((a, p) => (!a || !(p.cpuRatio <= a.cpuRatio) ? p : a), undefined);
    const all = [...baselines, ...phases];
    const lost = all.reduce((a, p) => a + p.lost, 0);
    const duplicates = all.reduce((a, p) => a + p.duplicates + p.extra, 0);
    const worstRatio = worst?.cpuRatio ?? NaN;
    return {
      settings: s,
      users: users.length,
      createGroupsMs,
      connectMs: c.ms,
      baselines,
      baselineCpuMsPerCopy: base,
      phases,
      goal: {
        maxRatio: GROUPS_MAX_CPU_RATIO,
        worstRatio,
        worstMembers: worst?.members ?? 0,
        lost,
        duplicates,
        met: Number.isFinite(worstRatio) ? worstRatio <= GROUPS_MAX_CPU_RATIO && lost === 0 && duplicates === 0 : null,
      },
    };
  } finally {
    await cluster.close();
  }
}
