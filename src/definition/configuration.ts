/**
 * The action's authorization types and configuration fields, public or secret. Constraints (patterns, lengths,
 * required) come from the admin API's schemas in src/auth, so the manifest describes exactly what the admin API
 * accepts; this file adds the words people read and which fields are secret.
 */
import { ADMIN_SCHEMAS, type ActionConfig } from '../auth';
import type { AuthorizationType, ManifestField } from './manifest-schema';

interface ObjectSchema {
  readonly properties: Readonly<Record<string, object>>;
  readonly required?: readonly string[];
}

interface FieldText {
  label: string;
  description: string;
  secret?: boolean;
}

/** The words for every field the action's schemas declare. */
const FIELD_TEXT: Readonly<Record<string, FieldText>> = {
  accountSid: { label: 'Account SID', description: 'Your Twilio Account SID (AC followed by 32 hex characters), from console.twilio.com.' },
  authToken: { label: 'Auth Token', description: "The account's Auth Token, from console.twilio.com.", secret: true },
  apiKeySid: { label: 'API Key SID', description: 'An API Key SID (SK followed by 32 hex characters), created under Account > API keys.' },
  apiKeySecret: { label: 'API Key Secret', description: "The API Key's secret, shown once when the key is created.", secret: true },
  baseUrl: {
    label: 'Base URL',
    description: 'Overrides https://api.twilio.com and https://verify.twilio.com: a region or edge, a proxy, or the local emulator.',
  },
  verifyServiceSid: {
    label: 'Verify Service SID',
    description: 'The default Verify Service (VA followed by 32 hex characters); dialogs ask the user only when it is missing.',
  },
  sender: {
    label: 'Sender',
    description: 'The default sender of SMS: a Twilio number in E.164 (e.g. +14155550123) or a Messaging Service SID (MG…).',
  },
  messageTemplates: {
    label: 'SMS message templates',
    description: 'The SMS text per usage type (register, sign-in, test), each with the {{code}} placeholder.',
  },
  otpMode: {
    label: 'How codes are sent',
    description:
      "verify (the default, recommended): Twilio Verify makes, sends and checks the codes, with Twilio's fraud guard. messageTemplates: the action makes the codes (4 to 10 digits, kept only as a keyed hash) and texts them from the sender with the message template of the dialog's usage type; needs sender and all three templates.",
  },
  codeLength: {
    label: 'Code length',
    description: 'Digits in a code in messageTemplates mode: 4 to 10 (default 6). Verify mode uses the Verify Service\'s code length.',
  },
  name: { label: 'Profile name', description: 'A short name for the auth profile: lower-case letters, digits and hyphens.' },
  description: { label: 'Description', description: 'What the profile is for, shown to admins.' },
  tenancy: { label: 'Tenancy URLs', description: 'Whether the URLs hold {tenant}, which each user supplies when authorizing.' },
  authorizationCheckUrl: {
    label: 'Authorization Check URL',
    description:
      'The URL the server calls with the user\'s credentials to check them; may hold {tenant} and {{accountSid}}. Default: {base}/2010-04-01/Accounts/{{accountSid}}.json',
  },
  tenant: { label: 'Tenant', description: 'The tenant that fills {tenant} in the profile URLs (tenancy profiles only).' },
};

function fieldsOf(schema: ObjectSchema, names?: readonly string[]): ManifestField[] {
  const required = new Set(schema.required ?? []);
  return (names ?? Object.keys(schema.properties)).map((name) => {
    const property = schema.properties[name];
    const text = FIELD_TEXT[name];
    if (property === undefined || text === undefined) throw new Error(`No schema or text for the field "${name}"`);
    return {
      name,
      label: text.label,
      description: text.description,
      required: required.has(name),
      secret: text.secret ?? false,
      schema: JSON.parse(JSON.stringify(property)) as Record<string, unknown>,
    };
  });
}

function branch(kind: 'apiKeySid' | 'authToken'): ObjectSchema {
  const found = ADMIN_SCHEMAS['authorization.json'].oneOf.find((s) => kind in s.properties);
  if (found === undefined) throw new Error(`The authorization schema has no branch with ${kind}`);
  return found;
}

/** The authorization types of the manifest. */
export function authorizationTypes(): AuthorizationType[] {
  const authToken = branch('authToken');
  const apiKey = branch('apiKeySid');
  return [
    {
      type: 'pre-authorized',
      name: 'Pre-authorize the integration',
      description: 'An admin authorizes the integration once with Basic Auth; every user\'s dialogs use these credentials.',
      scheme: 'basic',
      credentials: [
        {
          kind: 'auth-token',
          label: 'Account SID and Auth Token',
          description: 'Basic Auth with the Account SID as user name and the Auth Token as password.',
          fields: fieldsOf(authToken, ['accountSid', 'authToken']),
        },
        {
          kind: 'api-key',
          label: 'API Key and secret',
          description: 'Basic Auth with an API Key SID and its secret, for the given Account SID (revocable without touching the Auth Token).',
          fields: fieldsOf(apiKey, ['apiKeySid', 'apiKeySecret', 'accountSid']),
        },
      ],
      settings: fieldsOf(authToken, ['baseUrl']),
    },
    {
      type: 'user-authorized',
      name: 'Allow users to authorize the integration',
      description:
        'An admin creates a Basic Auth profile; the first time a dialog needs Twilio, the user gets a one-time link to a page where they enter their own credentials. Secrets never travel through the chat.',
      scheme: 'basic',
      profileFields: fieldsOf(ADMIN_SCHEMAS['profile.json']),
      userFields: fieldsOf(ADMIN_SCHEMAS['user-credentials.json']),
    },
  ];
}

/** The configuration fields beside credentials: what dialogs may read as `config.<field>`. */
export function configurationFields(): ManifestField[] {
  return fieldsOf(ADMIN_SCHEMAS['config.json']);
}

/**
 * The configuration fields dialogs may read as `config.<field>`: every field of the configuration schema, none of
 * them secret (secrets are credentials, in the authorization). A compile error when the schema gains a field this
 * list does not name.
 */
export const PUBLIC_CONFIG_FIELDS = ['verifyServiceSid', 'sender', 'messageTemplates', 'otpMode', 'codeLength'] as const satisfies ReadonlyArray<keyof ActionConfig>;

/** The names dialog expressions may read under `config`. */
export function configFieldNames(): string[] {
  return configurationFields().map((f) => f.name);
}

/** The fields whose values are secrets: sealed at rest, masked when shown, never written to dialogs/. */
export const SECRET_FIELDS: readonly string[] = Object.entries(FIELD_TEXT)
  .filter(([, text]) => text.secret === true)
  .map(([name]) => name);
