// The few REST calls the agent makes. Every answer is checked against the protocol schemas.
import {
  ApiPaths,
  Credentials,
  ErrorBody,
  Group,
  GroupApiPaths,
  GroupsResponse,
  MeResponse,
  MuteBody,
  SessionResponse,
  check,
  normalizeUsername,
  parse,
} from '@messenger/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TIMEOUT_MS = 15_000;

async function call(server: string, path: string, init: RequestInit & { token?: string }): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  try {
    return await fetch(`${server}${path}`, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new ApiError(0, 'network', `cannot reach ${server}: ${cause}`);
  }
}

async function failure(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null);
  if (check(ErrorBody, body)) return new ApiError(res.status, body.error.code, body.error.message);
  return new ApiError(res.status, 'unexpected', `server answered ${res.status} ${res.statusText}`);
}

export async function login(server: string, username: string, password: string): Promise<SessionResponse> {
  const credentials = parse(Credentials, { username: normalizeUsername(username), password }, 'credentials');
  const res = await call(server, ApiPaths.login, { method: 'POST', body: JSON.stringify(credentials) });
  if (!res.ok) throw await failure(res);
  return parse(SessionResponse, await res.json(), 'login response');
}

/** Revokes the session. A session the server no longer knows counts as logged out. */
export async function logout(server: string, token: string): Promise<'revoked' | 'already-gone'> {
  const res = await call(server, ApiPaths.logout, { method: 'POST', token });
  if (res.status === 204 || res.ok) return 'revoked';
  if (res.status === 401) return 'already-gone';
  throw await failure(res);
}

export async function me(server: string, token: string): Promise<MeResponse> {
  const res = await call(server, ApiPaths.me, { method: 'GET', token });
  if (!res.ok) throw await failure(res);
  return parse(MeResponse, await res.json(), '/api/me response');
}

/** My groups, each with my role and my mute setting. */
export async function listGroups(server: string, token: string): Promise<Group[]> {
  const res = await call(server, GroupApiPaths.groups, { method: 'GET', token });
  if (!res.ok) throw await failure(res);
  return parse(GroupsResponse, await res.json(), '/api/groups response').groups;
}

/** Mutes or unmutes a group for me, everywhere (the web app shows the same setting). */
export async function setGroupMuted(server: string, token: string, id: string, muted: boolean): Promise<Group> {
  const body = parse(MuteBody, { muted }, 'mute body');
  const res = await call(server, GroupApiPaths.mute(id), { method: 'PUT', token, body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return parse(Group, await res.json(), 'mute response');
}
