/**
 * What the action is: its operations and which are audited or send to a person, its authorization types and
 * configuration fields (public or secret), its required templates, and its manifest. Depends on src/twilio (the
 * operation registry, the credential rules) and src/auth (the admin API's schemas) only.
 */
export { configFieldNames, PUBLIC_CONFIG_FIELDS, SECRET_FIELDS } from './configuration';
export { manifestOf } from './manifest';
export type { ManifestTemplate } from './manifest';
export { DRAFT, fieldName, manifestSchema, prose, taskId, title, version } from './manifest-schema';
export type { AuthorizationType, Manifest, ManifestField } from './manifest-schema';
export { AUDITED_OPERATIONS, auditActionOf, operationDefinitions } from './operations';
export type { AuditAction, OperationDefinition } from './operations';
export { inOfferOrder, REQUIRED_TEMPLATES, TEMPLATE_ORDER } from './templates';
