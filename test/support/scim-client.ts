/**
 * A SCIM response body as tests read it: a resource (User, Group, Schema), a ListResponse or an
 * error (RFC 7644 §3.12). Each response has only some of these; a test reading one it lacks fails.
 */
interface ScimBody {
  schemas: string[];
  id: string;
  externalId: string;
  userName: string;
  displayName: string;
  active: boolean;
  name: { givenName?: string; familyName?: string };
  emails: Array<{ value: string; type?: string; primary?: boolean }>;
  groups: Array<{ value: string; display: string }>;
  members: Array<{ value: string; display?: string }>;
  meta: { resourceType: string; created: string; lastModified: string; location: string; version: string };
  /** A Schema resource's attributes. */
  attributes: Array<{ name: string } & Record<string, unknown>>;
  totalResults: number;
  Resources: ScimBody[];
  status: string;
  scimType: string;
  detail: string;
  [attribute: string]: unknown;
}

/** What an IdP sees of one SCIM response; `body` is null when there is none (204). */
export interface ScimResponse<T = ScimBody> {
  status: number;
  body: T;
  headers: Headers;
}

export const SCIM = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

export interface ScimClient {
  /** `${server}/scim/directory/${directoryId}` */
  root: string;
  request<T = ScimBody>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ScimResponse<T>>;
  get<T = ScimBody>(path: string, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  post<T = ScimBody>(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  put<T = ScimBody>(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  patch<T = ScimBody>(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  delete<T = ScimBody>(path: string, headers?: Record<string, string>): Promise<ScimResponse<T>>;
}

/**
 * An IdP's HTTP client for one directory, as Okta and Entra ID call us: bearer token,
 * `application/scim+json`, paths relative to the directory's SCIM base.
 */
export function scimClient(serverUrl: string, directoryId: string, token: string | null): ScimClient {
  const root = `${serverUrl}/scim/directory/${directoryId}`;
  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ScimResponse<T>> => {
    const response = await fetch(`${root}${path}`, {
      method,
      headers: {
        accept: 'application/scim+json',
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T, headers: response.headers };
  };
  return {
    root,
    request,
    get: (path, headers) => request('GET', path, undefined, headers),
    post: (path, body, headers) => request('POST', path, body, headers),
    put: (path, body, headers) => request('PUT', path, body, headers),
    patch: (path, body, headers) => request('PATCH', path, body, headers),
    delete: (path, headers) => request('DELETE', path, undefined, headers),
  };
}

/** `GET Users?filter=...` with the filter URL-encoded, as IdPs send it. */
export const filterQuery = (filter: string, extra = '') => `?filter=${encodeURIComponent(filter)}${extra}`;
