/**
 * The authorization link pages: `GET /auth/:token` shows a form for Account SID and Auth Token (and tenant);
 * `POST /auth/:token` runs the auth profile's check, stores the credentials for the link's user only, and uses the
 * link up. Secrets arrive only in a form-encoded body: never in a URL, a log line, or a page sent back.
 *
 * CSRF: the form carries a per-link token (stored hashed with the link, compared in constant time), and a request
 * whose `Origin` or `Sec-Fetch-Site` names another site is refused before the body is read.
 */
import type { Request, Response, Server } from 'restify';
import { ActionError, type AuthLinkLookup, type AuthLinks, type AuthProfileView, type CredentialCheckResult, type IntegrationAction } from '../../auth';
import { noLogger, type DialogLogger } from '../../dialogs';
import { mountRoutes } from '../audiences';
import { isCrossSite } from '../guards';
import { parseLinkForm, type LinkForm } from '../bodies';
import { HttpError, readForm as readFormBody } from '../http';
import { formPage, messagePage, pageHeaders, successPage, type FormPageInput, type FormProblems } from './auth-page-html';

export interface AuthLinkRouteDeps {
  action: IntegrationAction;
  /** The links the runtime creates (`IntegrationRuntime.links`). */
  links: AuthLinks;
  logger?: DialogLogger;
  /** Origins besides the request's own host that may post the form, e.g. the public base URL behind a proxy. */
  allowedOrigins?: string[];
  /** Largest accepted form body; default 4 KiB. */
  bodyLimitBytes?: number;
}

/** The route of the pages, also the prefix to redact from request logs ({@link redactAuthLinkPath}). */
export const AUTH_LINK_ROUTE = '/auth/:token';

const DEFAULT_BODY_LIMIT = 4 * 1024;

/** A segment shaped like a link token (base64url of 32 bytes or more). */
const TOKEN_SEGMENT = /^[A-Za-z0-9_-]{40,}$/;

/**
 * The path with link tokens replaced, for request logs: a link token is a bearer secret until used. Redacts the
 * segment after `auth` in any letter case (`/AUTH/<token>` reaches no page but is still the token) and any
 * segment shaped like a token; pass the decoded path (an encoded `/%61uth/<token>` is decoded first by the server).
 */
export function redactAuthLinkPath(path: string): string {
  const q = path.search(/[?#]/);
  const bare = q === -1 ? path : path.slice(0, q);
  const segments = bare.split('/');
  return segments
    .map((segment, i) => ((i > 0 && segments[i - 1]?.toLowerCase() === 'auth' && segment !== '') || TOKEN_SEGMENT.test(segment) ? '…' : segment))
    .join('/');
}

class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    text: string,
  ) {
    super(text);
  }
}

const GONE = {
  unknown: new PageError(
    410,
    'This link is no longer valid',
    'It was already used, or it never existed. Go back to the chat and ask again: the bot sends a new link when it needs one.',
  ),
  expired: new PageError(
    410,
    'This link has expired',
    'Links are valid for 10 minutes. Go back to the chat and ask again: the bot sends a new link when it needs one.',
  ),
};

function send(res: Response, status: number, html: string, withScript = false): void {
  res.writeHead(status, pageHeaders(withScript));
  res.end(html);
}

function sendPageError(res: Response, err: PageError): void {
  send(res, err.status, messagePage(err.title, err.message));
}


/** The form, or the page that says why it could not be read. */
async function readForm(req: Request, limit: number): Promise<URLSearchParams> {
  try {
    return await readFormBody(req, limit);
  } catch (err) {
    if (err instanceof HttpError && err.status === 415) throw new PageError(415, 'The form could not be read', 'Send the form from the authorization page itself.');
    if (err instanceof HttpError && err.status === 413) throw new PageError(413, 'The form is too large', 'Enter only the Account SID and the Auth Token.');
    throw err;
  }
}

type UsableLink = Extract<AuthLinkLookup, { kind: 'usable' }>;

function usable(found: AuthLinkLookup): UsableLink {
  if (found.kind === 'usable') return found;
  throw found.kind === 'expired' ? GONE.expired : GONE.unknown;
}

/** The origins (besides the request's own host) that may post the form; unparsable entries are ignored. */
function originsOf(urls: readonly string[]): ReadonlySet<string> {
  return new Set(
    urls.flatMap((o) => {
      try {
        return [new URL(o).origin];
      } catch {
        return [];
      }
    }),
  );
}

const tokenOf = (req: Request): string => String(req.params.token ?? '');

/** The form page's fixed part: the CSRF token and what the profile asks for. */
function formFor(csrf: string, profile: AuthProfileView): FormPageInput {
  return {
    csrf,
    tenancy: profile.tenancy,
    profileName: profile.name,
    ...(profile.description ? { profileDescription: profile.description } : {}),
  };
}

/** The two pages of a link: the form (`show`) and its submission (`submit`). */
class AuthLinkPages {
  private readonly logger: DialogLogger;
  private readonly allowed: ReadonlySet<string>;
  private readonly limit: number;

  constructor(private readonly deps: AuthLinkRouteDeps) {
    this.logger = deps.logger ?? noLogger;
    this.allowed = originsOf(deps.allowedOrigins ?? []);
    this.limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  }

  // restify 11 tells async handlers from callback ones by their constructor: keep these `async`.
  readonly show = async (req: Request, res: Response): Promise<void> => {
    try {
      const found = usable(await this.deps.links.lookup(tokenOf(req)));
      const profile = await this.profileOf(found.link.profile);
      const csrf = await this.deps.links.issueCsrfToken(found);
      if (csrf === undefined) throw GONE.unknown;
      send(res, 200, formPage(formFor(csrf, profile)));
    } catch (err) {
      this.fail(res, err, 'show');
    }
  };

  readonly submit = async (req: Request, res: Response): Promise<void> => {
    try {
      if (isCrossSite(req, this.allowed)) {
        req.resume();
        throw new PageError(403, 'Request refused', 'This form can only be sent from its own page.');
      }
      const form = await readForm(req, this.limit);
      const found = usable(await this.deps.links.lookup(tokenOf(req)));
      const csrf = form.get('csrf') ?? '';
      if (!this.deps.links.csrfMatches(found.link, csrf)) {
        throw new PageError(403, 'Request refused', 'This form is out of date or was not sent from its page. Open the link again.');
      }
      const profile = await this.profileOf(found.link.profile);
      const { values, problems } = parseLinkForm(form, profile.tenancy);
      const refusal = Object.keys(problems).length > 0 ? { form: 'Please correct the fields below.', ...problems } : await this.authorize(found, values);
      if (refusal) {
        // Shown again: the fields that were fine, never the Auth Token.
        const page = formPage({
          ...formFor(csrf, profile),
          accountSid: problems.accountSid === undefined ? values.accountSid : '',
          ...(values.tenant !== undefined && problems.tenant === undefined ? { tenant: values.tenant } : {}),
          problems: refusal,
        });
        send(res, 422, page);
        return;
      }
      await this.deps.links.consume(found.key);
      this.logger.info('user authorized', { profile: profile.name });
      send(res, 200, successPage(), true);
    } catch (err) {
      this.fail(res, err, 'submit');
    }
  };

  /** Runs the profile's check and stores the credentials for the link's user; what to tell the user when that fails. */
  private async authorize(found: UsableLink, values: LinkForm): Promise<FormProblems | undefined> {
    let result: CredentialCheckResult;
    try {
      result = await this.deps.action.storeUserCredentials(found.link.channelId, found.link.userId, {
        accountSid: values.accountSid,
        authToken: values.authToken,
        ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
      });
    } catch (err) {
      if (err instanceof ActionError && err.code === 'invalid_request') return { form: err.details.map((d) => d.message).join('; ') || err.message };
      if (err instanceof ActionError && err.code !== 'secrets_unavailable') {
        throw new PageError(409, 'Authorization is not possible right now', err.message);
      }
      throw err;
    }
    if (result.ok) return undefined;
    this.logger.info('authorization check failed', { code: result.code });
    return { form: `Twilio did not accept these credentials (${String(result.code)}: ${result.message}). Check them and try again.` };
  }

  private async profileOf(name: string): Promise<AuthProfileView> {
    try {
      return await this.deps.action.getProfile(name);
    } catch (err) {
      if (err instanceof ActionError && err.code === 'profile_not_found') {
        throw new PageError(410, 'This link can no longer be used', 'The way to authorize changed. Go back to the chat and ask again.');
      }
      throw err;
    }
  }

  private fail(res: Response, err: unknown, step: string): void {
    if (err instanceof PageError) {
      this.logger.info('authorization page refused', { step, status: err.status });
      sendPageError(res, err);
      return;
    }
    this.logger.error('authorization page failed', { step, error: err instanceof Error ? err.name : 'unknown' });
    send(res, 500, messagePage('Something went wrong', 'The server could not handle this page. Please try again in a moment.'));
  }
}

/** Mounts `GET` and `POST /auth/:token` on the server. */
export function registerAuthLinkRoutes(server: Server, deps: AuthLinkRouteDeps): void {
  const pages = new AuthLinkPages(deps);
  // The token in the path is the credential: each handler looks the link up before doing anything.
  mountRoutes(server, [
    { method: 'get', path: AUTH_LINK_ROUTE, auth: 'link-token', handler: pages.show },
    { method: 'post', path: AUTH_LINK_ROUTE, auth: 'link-token', handler: pages.submit },
  ]);
}
