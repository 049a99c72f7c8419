/**
 * The HTML of the authorization link pages: self-contained (no external asset), every value escaped, and a
 * Content-Security-Policy that allows exactly the inline style and script below by their SHA-256.
 */
import { createHash } from 'node:crypto';
import { ACCOUNT_SID_RULE, SECRET_RULE } from '../../twilio';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d1f23;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #9aa0a6;border-radius:4px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#d32f2f;color:#fff;cursor:pointer}
.error{background:#fdecea;border-left:4px solid #d32f2f;padding:.5rem .75rem}.hint{color:#5f6368;font-size:.9rem}
.field-error{color:#b3261e;font-size:.9rem;margin:.25rem 0 0}`;

// Tells the chat page (same origin) that the user is authorized: a BroadcastChannel for a tab opened by a link click,
// window.opener for a window the chat page opened itself.
const SUCCESS_SCRIPT =
  "(function(){var m={type:'tva-auth',status:'completed'};" +
  "try{new BroadcastChannel('tva-auth').postMessage(m);}catch(e){}" +
  'try{if(window.opener){window.opener.postMessage(m,location.origin);}}catch(e){}})();';

function hashOf(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const STYLE_HASH = hashOf(STYLE);
const SCRIPT_HASH = hashOf(SUCCESS_SCRIPT);

/** Headers of every authorization page. */
export function pageHeaders(withScript: boolean): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy':
      `default-src 'none'; style-src ${STYLE_HASH}; ` +
      (withScript ? `script-src ${SCRIPT_HASH}; ` : '') +
      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  };
}

function page(title: string, body: string, script?: string): string {
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="robots" content="noindex">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main>${body}</main>${script === undefined ? '' : `<script>${script}</script>`}</body></html>\n`
  );
}

/** Problems shown on the form: one for the whole form (e.g. Twilio's reason), or per field. */
export interface FormProblems {
  form?: string;
  accountSid?: string;
  authToken?: string;
  tenant?: string;
}

export interface FormPageInput {
  csrf: string;
  tenancy: boolean;
  profileName: string;
  profileDescription?: string;
  /** Values to show again after a failed submit: never the Auth Token. */
  accountSid?: string;
  tenant?: string;
  problems?: FormProblems;
}

function fieldError(message: string | undefined, id: string): string {
  return message === undefined ? '' : `<p class="field-error" id="${id}-error">${escapeHtml(message)}</p>`;
}

/** The form: Account SID, Auth Token (a password input), Tenant when the profile has tenancy. */
export function formPage(input: FormPageInput): string {
  const problems = input.problems ?? {};
  const described = (id: string, message: string | undefined) =>
    message === undefined ? '' : ` aria-invalid="true" aria-describedby="${id}-error"`;
  const tenant = input.tenancy
    ? `<label for="tenant">Tenant</label>` +
      `<input id="tenant" name="tenant" required maxlength="63" autocomplete="off" spellcheck="false" value="${escapeHtml(input.tenant ?? '')}"${described('tenant', problems.tenant)}>` +
      fieldError(problems.tenant, 'tenant')
    : '';
  const description =
    input.profileDescription === undefined ? '' : `<p class="hint">${escapeHtml(input.profileDescription)}</p>`;
  const body =
    '<h1>Authorize Twilio for your chat</h1>' +
    `<p>The bot needs your Twilio credentials (auth profile <strong>${escapeHtml(input.profileName)}</strong>). ` +
    'They are checked with Twilio, stored encrypted for you only, and never shown in the chat.</p>' +
    description +
    (problems.form === undefined ? '' : `<p class="error" role="alert">${escapeHtml(problems.form)}</p>`) +
    '<form method="post" enctype="application/x-www-form-urlencoded" autocomplete="off">' +
    `<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">` +
    '<label for="accountSid">Account SID</label>' +
    `<input id="accountSid" name="accountSid" required pattern="${ACCOUNT_SID_RULE.htmlPattern}" maxlength="${ACCOUNT_SID_RULE.maxLength}" placeholder="AC…" spellcheck="false" value="${escapeHtml(input.accountSid ?? '')}"${described('accountSid', problems.accountSid)}>` +
    fieldError(problems.accountSid, 'accountSid') +
    '<label for="authToken">Auth Token</label>' +
    `<input id="authToken" name="authToken" type="password" required minlength="${SECRET_RULE.minLength}" maxlength="${SECRET_RULE.maxLength}" pattern="${SECRET_RULE.htmlPattern}" autocomplete="new-password"${described('authToken', problems.authToken)}>` +
    fieldError(problems.authToken, 'authToken') +
    tenant +
    '<p class="hint">Both are on the Twilio Console home page, under Account Info.</p>' +
    '<button type="submit">Authorize</button></form>';
  return page('Authorize Twilio', body);
}

/** After a passing check: tells the chat page and the user. */
export function successPage(): string {
  const body =
    '<h1>You are authorized</h1>' +
    '<p>Twilio accepted your credentials. You can close this tab and go back to the chat; ' +
    'if the bot does not continue by itself, say "done" there.</p>';
  return page('Authorized', body, SUCCESS_SCRIPT);
}

/** A page with a heading and one paragraph (expired or used link, and other refusals). */
export function messagePage(title: string, text: string, link?: { href: string; text: string }): string {
  const more = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${more}`);
}
