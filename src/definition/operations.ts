/**
 * The action's operations (the gateway's registry, src/twilio) and what the action does around them: which are
 * written to the audit log, under which action name, and which text, call or e-mail a person (those run at most once
 * per intent, see src/twilio/reconcile.ts).
 */
import { OPERATION_NAMES, operations, sendsToPerson, type OperationName } from '../twilio';

/**
 * The audit log's names of the audited operations. A code or a message body is never audited: only the outcome, the
 * target's last four characters and the SIDs.
 */
export const AUDITED_OPERATIONS = {
  sendSms: 'sms.send',
  startVerification: 'verification.start',
  checkVerification: 'verification.check',
  /** Cancels (and approvals) of a verification: the outcome is the new status. */
  updateVerification: 'verification.update',
  /** A raw API call (a dialog's service node): the method, domain and path only, never the parameters or the reply. */
  twilioRequest: 'twilio.request',
} as const satisfies Partial<Record<OperationName, string>>;

export type AuditAction = (typeof AUDITED_OPERATIONS)[keyof typeof AUDITED_OPERATIONS];

/** The audit action of an operation, or undefined when its calls are not audited. */
export function auditActionOf(operation: string): AuditAction | undefined {
  const table: Readonly<Record<string, AuditAction>> = AUDITED_OPERATIONS;
  return Object.hasOwn(table, operation) ? table[operation] : undefined;
}

/** One row per operation, in manifest order: the whole of what the action can do. */
export interface OperationDefinition {
  name: OperationName;
  description: string;
  inputSchema: object;
  outputSchema: object;
  audit: AuditAction | undefined;
  sendsToPerson: boolean;
}

export function operationDefinitions(): OperationDefinition[] {
  return OPERATION_NAMES.map((name) => ({
    name,
    description: operations[name].description,
    inputSchema: operations[name].inputSchema,
    outputSchema: operations[name].outputSchema,
    audit: auditActionOf(name),
    sendsToPerson: sendsToPerson(name),
  }));
}
