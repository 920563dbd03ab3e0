// Types for orphans.mjs, for the TypeScript tests.
export function isAlive(pid: number): boolean;
export function isProcessOf(pid: number, marker: string): boolean;
export function reapOrphanRecords(runDir: string, reap: (record: { owner: number; [field: string]: unknown }) => number): number;
