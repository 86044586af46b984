// The secrets API (docs/api.md). Errors are RFC 9457 problem details; the app branches on the
// stable `type` slug only.

export interface ExpiryChoice {
  seconds: number;
  label: string;
}

export interface Config {
  formatVersion: number;
  expiryChoices: ExpiryChoice[];
  defaultExpirySeconds: number;
  viewChoices: number[];
  defaultViews: number;
  maxManifestBytes: number;
  maxStreamBytes: number;
  maxFiles: number;
  passphrase: { minIterations: number; defaultIterations: number; maxAttempts: number };
  creationOpen: boolean;
  /** Most recipients of one secret (docs/secret-format.md §7). */
  maxRecipients?: number;
}

export interface PassphraseParameters {
  kdf: 'pbkdf2-sha256';
  salt: string;
  iterations: number;
  verifier?: string;
}

/** One recipient's link of a secret for several recipients (docs/api.md). */
export interface RecipientKey {
  label: string | null;
  accessVerifier: string;
  passphraseVerifier: string | null;
  wrappedKey: string;
}

export interface CreateSecretRequest {
  manifest: string;
  /** Null when `recipients` is given: each recipient has its own. */
  accessVerifier: string | null;
  passphrase: PassphraseParameters | null;
  expiresInSeconds: number;
  maxViews: number;
  streamBytes: number | null;
  /** Optional URL the server notifies of the secret's events (docs/webhooks.md); the server can read it. */
  webhook?: string;
  recipients?: RecipientKey[];
}

export interface CreateSecretResponse {
  id: string;
  manageToken: string;
  expiresAt: string;
  uploadRequired: boolean;
  /** The webhook's signing key, whsec_…: only when a webhook was given, and only in this answer. */
  webhookSigningKey?: string;
  /** Every recipient's link id, in order: only for a secret with several recipients. */
  recipients?: { id: string; label: string | null }[];
}

export interface LookResponse {
  id: string;
  state: string;
  passphrase: PassphraseParameters | null;
  manifestBytes: number;
  streamBytes: number | null;
  expiresAt: string;
  viewsLeft: number;
}

export interface OpenResponse {
  manifest: string;
  viewsLeft: number;
  stream: { bytes: number; downloadToken: string; expiresAt: string } | null;
  /** The content key sealed to this link: only for a link of a secret with several recipients. */
  wrappedKey?: string;
}

export interface RecipientStatus {
  id: string;
  label: string | null;
  state: string;
  viewsLeft: number;
  openedAt: string[];
  failedAttempts: number;
  passphraseAttemptsLeft: number | null;
  destroyedAt: string | null;
}

export interface StatusResponse {
  id: string;
  state: string;
  createdAt: string;
  expiresAt: string;
  maxViews: number;
  viewsLeft: number;
  openedAt: string[];
  failedAttempts: number;
  passphraseAttemptsLeft: number | null;
  destroyedAt: string | null;
  /** Every link of a secret with several recipients; absent for one recipient. */
  recipients?: RecipientStatus[];
}

// Request-a-secret (docs/api.md "Requests", docs/request-format.md).

export interface CreateRequestRequest {
  tokenVerifier: string;
  sendVerifier: string;
  label: string | null;
  expiresInSeconds: number;
}

export interface CreateRequestResponse {
  id: string;
  expiresAt: string;
}

export interface RequestLookResponse {
  id: string;
  state: string;
  label: string | null;
  expiresAt: string;
}

export interface AnswerRequestRequest {
  sendToken: string;
  ephemeralKey: string;
  manifest: string;
  accessVerifier: string;
  streamBytes: number | null;
}

export interface AnswerRequestResponse {
  secretId: string;
  uploadToken: string;
  expiresAt: string;
  uploadRequired: boolean;
}

export interface RequestAnswerResponse {
  secretId: string;
  ephemeralKey: string;
  answeredAt: string;
}

export interface RequestStatusResponse {
  id: string;
  state: string;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  answeredAt: string | null;
  openedAt: string[];
  failedAttempts: number;
  destroyedAt: string | null;
}

/** A problem details answer. `slug` is the part after `urn:parley:problem:`. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown>,
  ) {
    super(detail || slug);
    this.name = 'ProblemError';
  }

  get attemptsLeft(): number | null {
    const v = this.extensions.attemptsLeft;
    return typeof v === 'number' ? v : null;
  }

  /** The first time among the named extension (a time or a list of times). */
  times(member: string): string[] {
    const v = this.extensions[member];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
    return [];
  }
}

/** The server could not be reached at all. */
export class NetworkError extends Error {
  constructor() {
    super('the Parley server could not be reached');
    this.name = 'NetworkError';
  }
}

const PREFIX = 'urn:parley:problem:';

async function problemOf(response: Response): Promise<ProblemError> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // not a problem document; fall through to a generic one
  }
  const type = typeof body.type === 'string' ? body.type : '';
  const slug = type.startsWith(PREFIX) ? type.slice(PREFIX.length) : response.status === 429 ? 'rate-limited' : 'http-' + response.status;
  const detail = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : '';
  const { type: _t, title: _ti, status: _s, detail: _d, instance: _i, ...extensions } = body;
  return new ProblemError(response.status, slug, detail, extensions);
}

async function send(path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, credentials: 'omit', cache: 'no-store', redirect: 'error' });
  } catch {
    throw new NetworkError();
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await send(path, init);
  return (await response.json()) as T;
}

const jsonBody = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

// The server's settings do not change while a page is open: asked for once (main.ts asks while the
// page's own script is still loading), and asked again only after a failure.
let configRequest: Promise<Config> | null = null;

export const api = {
  config: (): Promise<Config> =>
    (configRequest ??= json<Config>('/api/config').catch((e: unknown) => {
      configRequest = null;
      throw e;
    })),

  create: (req: CreateSecretRequest): Promise<CreateSecretResponse> => json('/api/secrets', jsonBody(req)),

  /** Uploads one part of the stream. Returns true when the server reports the stream complete. */
  async uploadPart(id: string, manageToken: string, first: number, part: Blob, total: number): Promise<boolean> {
    const last = first + part.size - 1;
    const response = await send(`/api/secrets/${id}/stream`, {
      method: 'PUT',
      headers: {
        ...bearer(manageToken),
        'Content-Type': 'application/octet-stream',
        'Content-Range': `bytes ${first}-${last}/${total}`,
      },
      // A Blob body: Chromium streams it from its blob store; an ArrayBuffer body of some MiB uploads
      // at a few MB/s (measured, docs/benchmarks.md "Web").
      body: part,
    });
    return response.status === 200;
  },

  look: (id: string, accessKey?: string): Promise<LookResponse> =>
    json(`/api/secrets/${id}`, accessKey ? { headers: { 'Parley-Access': accessKey } } : {}),

  open: (id: string, accessKey: string, passphraseProof: string | null): Promise<OpenResponse> =>
    json(`/api/secrets/${id}/open`, jsonBody({ accessKey, passphraseProof })),

  /** Starts a download of the stream, from byte `from` (a Range request when from > 0). */
  download: (id: string, downloadToken: string, from: number, to?: number): Promise<Response> =>
    send(`/api/secrets/${id}/stream`, {
      headers: {
        ...bearer(downloadToken),
        ...(from > 0 || to !== undefined ? { Range: `bytes=${from}-${to ?? ''}` } : {}),
      },
    }),

  releaseStream: async (id: string, downloadToken: string): Promise<void> => {
    await send(`/api/secrets/${id}/stream`, { method: 'DELETE', headers: bearer(downloadToken) });
  },

  status: (id: string, manageToken: string): Promise<StatusResponse> =>
    json(`/api/secrets/${id}/manage`, { headers: bearer(manageToken) }),

  destroy: async (id: string, manageToken: string): Promise<void> => {
    await send(`/api/secrets/${id}`, { method: 'DELETE', headers: bearer(manageToken) });
  },

  /** Destroys every link of a secret for several recipients (the same as {@link destroy} for one recipient). */
  destroyAll: async (id: string, manageToken: string): Promise<void> => {
    await send(`/api/secrets/${id}/recipients`, { method: 'DELETE', headers: bearer(manageToken) });
  },

  createRequest: (req: CreateRequestRequest): Promise<CreateRequestResponse> => json('/api/requests', jsonBody(req)),

  /** What the responder sees: the request's label, while it waits for its answer. Changes nothing. */
  lookRequest: (id: string, sendToken: string): Promise<RequestLookResponse> =>
    json(`/api/requests/${id}`, { headers: { 'Parley-Access': sendToken } }),

  answerRequest: (id: string, req: AnswerRequestRequest): Promise<AnswerRequestResponse> => json(`/api/requests/${id}/answer`, jsonBody(req)),

  /** Where the answer is and the responder's ephemeral key. Changes nothing: opening is the secret's. */
  requestAnswer: (id: string, requestToken: string): Promise<RequestAnswerResponse> =>
    json(`/api/requests/${id}/answer`, { headers: bearer(requestToken) }),

  requestStatus: (id: string, requestToken: string): Promise<RequestStatusResponse> =>
    json(`/api/requests/${id}/manage`, { headers: bearer(requestToken) }),

  destroyRequest: async (id: string, requestToken: string): Promise<void> => {
    await send(`/api/requests/${id}`, { method: 'DELETE', headers: bearer(requestToken) });
  },
};
