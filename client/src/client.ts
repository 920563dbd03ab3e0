// createClient(): the REST half of the client. Bodies are typed by the contract and judged by the
// server (its codes are the ones to see); every answer is checked against the contract on arrival,
// so a mismatch is an ApiError here, not a crash later.
import {
  ApiPaths,
  ApiTokensResponse,
  Bot,
  ChangeResponse,
  type EditMessageBody,
  MessageActionPaths,
  BotsResponse,
  CreatedApiToken,
  IntegrationPaths,
  type ApiToken,
  type CreateApiTokenBody,
  type CreateBotBody,
  ConversationUpdate,
  ConversationsResponse,
  type Credentials,
  GroupApiPaths,
  type GroupSendBody,
  GroupsResponse,
  Group,
  IDEMPOTENCY_HEADER,
  MeResponse,
  MessagesPage,
  MAX_PROFILES_PER_REQUEST,
  Profile,
  ProfilesResponse,
  type AvatarContentType,
  type UpdateProfileBody,
  type MuteBody,
  type ConversationSettingsBody,
  type RegisterBody,
  SOCKET_ID_HEADER,
  type SendBody,
  SendResponse,
  SearchResponse,
  SessionResponse,
  ValidationError,
  normalizeUsername,
  parse,
  type ChatMessage,
  type Conversation,
  CreatedWebhook,
  type CreateWebhookBody,
  type IncomingWebhookBody,
  type Webhook,
  WebhookPaths,
  WebhooksResponse,
} from '@messenger/protocol';
import type { Static, TSchema } from '@sinclair/typebox';
import { ApiError, errorFromResponse } from './api-error.js';
import { withRetries, type RetryOptions } from './retry.js';
import { subscribe } from './subscribe.js';
import type { SubscribeOptions, Subscription } from './subscribe-types.js';

export interface ClientOptions {
  /** The server, e.g. `https://chat.example.com`; '' (the default) is the page's own origin. */
  baseUrl?: string;
  /** A bearer token (a session's, or later an API token). Without one, call login(). */
  token?: string;
  /** Whose token it is, when already known (saves subscribe() asking /api/me). */
  username?: string;
  /** Browsers on the server's own origin: send its session cookie instead of a token. */
  credentials?: RequestCredentials;
  /** Per request, each attempt apart (default 15 000 ms). */
  timeoutMs?: number;
}

export interface SendOptions extends RetryOptions {
  /** Defaults to a fresh random key, the same for every retry of this call. */
  idempotencyKey?: string;
  /** The sending screen's own socket id: that screen gets no echo of the message. */
  socketId?: string;
  /** A reply: the id of a message of the same conversation, which the server quotes. */
  replyTo?: string;
}

/** Options of the message actions (edit, delete, react): send()'s Idempotency-Key and retry rules. */
export interface ActionOptions extends RetryOptions {
  /** Defaults to a fresh random key, the same for every retry of this call. */
  idempotencyKey?: string;
}

export interface HistoryOptions {
  /** A message id: the page holds messages older than it. */
  before?: string;
  /** A message id: the page holds the messages just newer than it (`nextAfter` goes on). */
  after?: string;
  /** A message id: the page holds it and those around it, e.g. a search result. One cursor at most. */
  around?: string;
  /** 1–200; the server's default when absent. */
  limit?: number;
  signal?: AbortSignal;
}

export interface SearchOptions {
  /** Only the 1:1 conversation with this person. */
  peer?: string;
  /** Only this group. Not with `peer`. */
  group?: string;
  /** 1–50; the server's default (20) when absent. */
  limit?: number;
  /** `nextBefore` of the previous answer. */
  before?: string;
  signal?: AbortSignal;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  /** Instead of `body`: these bytes as they are, with this Content-Type (an avatar upload). */
  raw?: { bytes: Blob | ArrayBuffer | Uint8Array<ArrayBuffer>; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** 128 random bits as hex: crypto.randomUUID() exists only in secure contexts, getRandomValues everywhere. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class MessengerClient {
  readonly baseUrl: string;
  private tokenValue: string | undefined;
  private usernameValue: string | undefined;

  constructor(private readonly options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.tokenValue = options.token;
    this.usernameValue = options.username;
  }

  /** The bearer token in use, if any. */
  get token(): string | undefined {
    return this.tokenValue;
  }

  /** Who the client is signed in as, once login(), register() or me() has told. */
  get username(): string | undefined {
    return this.usernameValue;
  }

  /** The raw call: JSON in, the answer checked against `schema` (or none for 204). */
  async request<S extends TSchema>(path: string, schema: S | null, init: RequestOptions = {}): Promise<Static<S>> {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.raw) headers['content-type'] = init.raw.contentType;
    if (this.tokenValue) headers.authorization = `Bearer ${this.tokenValue}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: init.raw ? init.raw.bytes : init.body === undefined ? null : JSON.stringify(init.body),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
      });
    } catch (error) {
      // The caller's abort is theirs to see as such; a timeout or a refused connection is ours.
      if (init.signal?.aborted) throw init.signal.reason;
      // A page on the server's own origin has nothing useful to add to this for a person.
      if (!this.baseUrl) throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.');
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new ApiError(0, 'network_error', `Cannot reach ${this.baseUrl}: ${cause}`);
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (schema === null) {
      await response.body?.cancel();
      return undefined as Static<S>;
    }
    const body: unknown = await response.json().catch(() => undefined);
    try {
      return parse(schema, body, `${method} ${path.split('?')[0]}`);
    } catch (error) {
      if (error instanceof ValidationError) throw new ApiError(response.status, 'invalid_response', error.message);
      throw error;
    }
  }

  /** Signs in; the client uses the new session's token from then on. */
  async login(username: string, password: string): Promise<SessionResponse> {
    // Folded as the server folds it, so the username this client reports matches the server's.
    const body: Credentials = { username: normalizeUsername(username), password };
    return this.adopt(await this.request(ApiPaths.login, SessionResponse, { method: 'POST', body }));
  }

  /** Creates an account and signs in as it. */
  async register(username: string, password: string): Promise<SessionResponse> {
    const body: RegisterBody = { username, password };
    return this.adopt(await this.request(ApiPaths.register, SessionResponse, { method: 'POST', body }));
  }

  /** Ends the session. One the server no longer knows counts as ended ('already-gone'). */
  async logout(): Promise<'revoked' | 'already-gone'> {
    try {
      await this.request(ApiPaths.logout, null, { method: 'POST' });
      this.tokenValue = undefined;
      return 'revoked';
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      this.tokenValue = undefined;
      return 'already-gone';
    }
  }

  async me(signal?: AbortSignal): Promise<MeResponse> {
    const me = await this.request(ApiPaths.me, MeResponse, signal ? { signal } : {});
    this.usernameValue = me.username;
    return me;
  }

  /**
   * The profiles (display name, picture) of these people, in the order asked; unknown names are
   * left out. Any number of names: asked MAX_PROFILES_PER_REQUEST at a time.
   */
  async getProfiles(usernames: readonly string[], signal?: AbortSignal): Promise<Profile[]> {
    const names = [...new Set(usernames)];
    const profiles: Profile[] = [];
    for (let i = 0; i < names.length; i += MAX_PROFILES_PER_REQUEST) {
      const query = new URLSearchParams({ usernames: names.slice(i, i + MAX_PROFILES_PER_REQUEST).join(',') });
      profiles.push(...(await this.request(`${ApiPaths.profiles}?${query}`, ProfilesResponse, signal ? { signal } : {})).profiles);
    }
    return profiles;
  }

  /** Sets (or with null clears) my display name; my screens and my peers hear `profile:update`. Signed-in sessions only. */
  updateProfile(change: UpdateProfileBody): Promise<Profile> {
    return this.request(ApiPaths.myProfile, Profile, { method: 'PATCH', body: change });
  }

  /**
   * Sets my picture: a PNG, JPEG, WebP or GIF of at most MAX_AVATAR_BYTES, stored as a 256×256
   * WebP. A browser passes the chosen File and its `type`. Signed-in sessions only.
   */
  uploadAvatar(bytes: Blob | ArrayBuffer | Uint8Array<ArrayBuffer>, contentType: AvatarContentType): Promise<Profile> {
    return this.request(ApiPaths.myAvatar, Profile, { method: 'PUT', raw: { bytes, contentType } });
  }

  /** Removes my picture. */
  deleteAvatar(): Promise<Profile> {
    return this.request(ApiPaths.myAvatar, Profile, { method: 'DELETE' });
  }

  /** Sends a 1:1 message; resolves with the 202 body once Kafka holds it. Retries 503/429. */
  send(to: string, text: string, options: SendOptions = {}): Promise<SendResponse> {
    const body: SendBody = { to, text, ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }) };
    return this.sendWithRetries(ApiPaths.send, body, options);
  }

  /** Sends to a group (one copy per member, one Kafka transaction). Retries 503/429. */
  sendToGroup(groupId: string, text: string, options: SendOptions = {}): Promise<SendResponse> {
    const body: GroupSendBody = { text, ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }) };
    return this.sendWithRetries(GroupApiPaths.messages(groupId), body, options);
  }

  /**
   * Replaces the text of my message (its author only, within the server's edit window). Every
   * action resolves with the change (202 ChangeResponse) once Kafka holds it, and retries like send().
   */
  editMessage(id: string, text: string, options: ActionOptions = {}): Promise<ChangeResponse> {
    const body: EditMessageBody = { text };
    return this.changeWithRetries('PATCH', MessageActionPaths.message(id), body, options);
  }

  /** `everyone`: my message, gone for all (author only, within the window); `me`: gone from my view only. */
  deleteMessage(id: string, scope: 'everyone' | 'me', options: ActionOptions = {}): Promise<ChangeResponse> {
    return this.changeWithRetries('DELETE', `${MessageActionPaths.message(id)}?for=${scope}`, undefined, options);
  }

  /** Adds my reaction (one emoji); reacting again with the same emoji changes nothing. */
  react(id: string, emoji: string, options: ActionOptions = {}): Promise<ChangeResponse> {
    return this.changeWithRetries('PUT', MessageActionPaths.reaction(id, emoji), undefined, options);
  }

  /** Takes my reaction back; taking back one I never gave changes nothing. */
  unreact(id: string, emoji: string, options: ActionOptions = {}): Promise<ChangeResponse> {
    return this.changeWithRetries('DELETE', MessageActionPaths.reaction(id, emoji), undefined, options);
  }

  async conversations(signal?: AbortSignal): Promise<Conversation[]> {
    return (await this.request(ApiPaths.conversations, ConversationsResponse, signal ? { signal } : {})).conversations;
  }

  /**
   * One page of a conversation, newest first; `nextBefore` asks for the next (older) one, and on
   * pages opened with `after` or `around`, `nextAfter` for the next newer one.
   */
  history(peer: string, options: HistoryOptions = {}): Promise<MessagesPage> {
    return this.historyAt(ApiPaths.messages(peer), options);
  }

  /** The same for a group I am a member of: my copies of its messages. */
  groupHistory(groupId: string, options: HistoryOptions = {}): Promise<MessagesPage> {
    return this.historyAt(GroupApiPaths.messages(groupId), options);
  }

  private historyAt(path: string, options: HistoryOptions): Promise<MessagesPage> {
    const query = new URLSearchParams();
    for (const key of ['before', 'after', 'around'] as const) {
      const value = options[key];
      if (value !== undefined) query.set(key, value);
    }
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    return this.request(path + (query.size > 0 ? `?${query}` : ''), MessagesPage, options.signal ? { signal: options.signal } : {});
  }

  /**
   * Messages I can read that hold the words of `q` (the last one also as a prefix), newest
   * first, each with its conversation and the ranges of the matched words in its text. Open one
   * with `history(peer, { around: id })` or `groupHistory(group, { around: id })`.
   */
  search(q: string, options: SearchOptions = {}): Promise<SearchResponse> {
    const query = new URLSearchParams({ q });
    for (const key of ['peer', 'group', 'before'] as const) {
      const value = options[key];
      if (value !== undefined) query.set(key, value);
    }
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    return this.request(`${ApiPaths.search}?${query}`, SearchResponse, options.signal ? { signal: options.signal } : {});
  }

  /** Every page of a conversation, newest first, until the oldest (or until the loop breaks). */
  async *historyPages(peer: string, options: Omit<HistoryOptions, 'before' | 'after' | 'around'> = {}): AsyncGenerator<ChatMessage[], void, undefined> {
    let before: string | undefined;
    for (;;) {
      const page = await this.history(peer, { ...options, ...(before === undefined ? {} : { before }) });
      if (page.messages.length > 0) yield page.messages;
      if (page.nextBefore === null) return;
      before = page.nextBefore;
    }
  }

  /**
   * Mutes or unmutes my 1:1 conversation with `peer`, for me, everywhere (every screen and agent
   * of mine hears `conversation:update`). Signed-in sessions only, like a group's mute.
   */
  setConversationMuted(peer: string, muted: boolean): Promise<ConversationUpdate> {
    const body: MuteBody = { muted };
    return this.request(ApiPaths.mute(peer), ConversationUpdate, { method: 'PUT', body });
  }

  /**
   * Changes my own settings of my 1:1 conversation with `peer` (only those `change` names): pin,
   * archive, mark as unread, mute. Answers with all of them; every screen and agent of mine hears
   * the same as `conversation:update`. Signed-in sessions only.
   */
  updateConversationSettings(peer: string, change: ConversationSettingsBody): Promise<ConversationUpdate> {
    return this.request(ApiPaths.settings(peer), ConversationUpdate, { method: 'PATCH', body: change });
  }

  /** My groups, each with my role and own settings. */
  async groups(signal?: AbortSignal): Promise<Group[]> {
    return (await this.request(GroupApiPaths.groups, GroupsResponse, signal ? { signal } : {})).groups;
  }

  /** Mutes or unmutes one of my groups, for me, everywhere. */
  setGroupMuted(groupId: string, muted: boolean): Promise<Group> {
    const body: MuteBody = { muted };
    return this.request(GroupApiPaths.mute(groupId), Group, { method: 'PUT', body });
  }

  /** Changes my own settings of one of my groups (pin, archive, mark as unread, mute), everywhere. */
  updateGroupSettings(groupId: string, change: ConversationSettingsBody): Promise<Group> {
    return this.request(GroupApiPaths.settings(groupId), Group, { method: 'PATCH', body: change });
  }

  /** A new API token for me or one of my bots (signed-in sessions only). `secret` is shown this once. */
  createToken(body: CreateApiTokenBody): Promise<CreatedApiToken> {
    return this.request(IntegrationPaths.tokens, CreatedApiToken, { method: 'POST', body });
  }

  /** My tokens and my bots' tokens, never their secrets. */
  async tokens(signal?: AbortSignal): Promise<ApiToken[]> {
    return (await this.request(IntegrationPaths.tokens, ApiTokensResponse, signal ? { signal } : {})).tokens;
  }

  /** Revokes a token at once; its sockets close on every instance. */
  async revokeToken(id: string): Promise<void> {
    await this.request(IntegrationPaths.token(id), null, { method: 'DELETE' });
  }

  createBot(body: CreateBotBody): Promise<Bot> {
    return this.request(IntegrationPaths.bots, Bot, { method: 'POST', body });
  }

  async bots(signal?: AbortSignal): Promise<Bot[]> {
    return (await this.request(IntegrationPaths.bots, BotsResponse, signal ? { signal } : {})).bots;
  }

  async deleteBot(username: string): Promise<void> {
    await this.request(IntegrationPaths.bot(username), null, { method: 'DELETE' });
  }

  /** A new incoming webhook posting as one of my bots (signed-in sessions only). `secret` and `url` are shown this once. */
  createWebhook(body: CreateWebhookBody): Promise<CreatedWebhook> {
    return this.request(WebhookPaths.webhooks, CreatedWebhook, { method: 'POST', body });
  }

  /** My webhooks, never their secrets or URLs. */
  async webhooks(signal?: AbortSignal): Promise<Webhook[]> {
    return (await this.request(WebhookPaths.webhooks, WebhooksResponse, signal ? { signal } : {})).webhooks;
  }

  /** A new secret (and URL) for the webhook; the old URL stops working at once. */
  rotateWebhook(id: string): Promise<CreatedWebhook> {
    return this.request(WebhookPaths.rotate(id), CreatedWebhook, { method: 'POST' });
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.request(WebhookPaths.webhook(id), null, { method: 'DELETE' });
  }

  /** Connects the socket: messages live and caught up, acknowledged, deduplicated, reconnected. */
  subscribe(options: SubscribeOptions): Subscription {
    return subscribe(this, options);
  }

  private sendWithRetries(path: string, body: unknown, options: SendOptions): Promise<SendResponse> {
    const headers: Record<string, string> = { [IDEMPOTENCY_HEADER]: options.idempotencyKey ?? newIdempotencyKey() };
    if (options.socketId) headers[SOCKET_ID_HEADER] = options.socketId;
    return withRetries(
      () => this.request(path, SendResponse, { method: 'POST', body, headers, ...(options.signal ? { signal: options.signal } : {}) }),
      options,
    );
  }

  private changeWithRetries(method: 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown, options: ActionOptions): Promise<ChangeResponse> {
    const headers = { [IDEMPOTENCY_HEADER]: options.idempotencyKey ?? newIdempotencyKey() };
    return withRetries(
      () => this.request(path, ChangeResponse, { method, body, headers, ...(options.signal ? { signal: options.signal } : {}) }),
      options,
    );
  }

  private adopt(session: SessionResponse): SessionResponse {
    this.tokenValue = session.token;
    this.usernameValue = session.user.username;
    return session;
  }
}

/**
 * Posts to an incoming webhook's secret URL, as a tool without a token would: one Idempotency-Key
 * for every attempt, and the retry rule of send() (429, 503 and lost connections, honouring
 * Retry-After).
 */
export function postToWebhook(url: string, text: string, options: Omit<SendOptions, 'socketId'> = {}): Promise<SendResponse> {
  const hook = new URL(url);
  const client = new MessengerClient({ baseUrl: hook.origin });
  const body: IncomingWebhookBody = { text };
  const headers = { [IDEMPOTENCY_HEADER]: options.idempotencyKey ?? newIdempotencyKey() };
  return withRetries(
    () => client.request(hook.pathname, SendResponse, { method: 'POST', body, headers, ...(options.signal ? { signal: options.signal } : {}) }),
    options,
  );
}

export function createClient(options: ClientOptions = {}): MessengerClient {
  return new MessengerClient(options);
}
