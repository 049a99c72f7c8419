import type { TwilioGateway } from './client';
import { TwilioActionError } from './errors';
import type { Operation } from './operation';
import { checkVerificationOperation } from './operations/checkVerification';
import { createServiceOperation } from './operations/createService';
import { deleteServiceOperation } from './operations/deleteService';
import { fetchAccountOperation } from './operations/fetchAccount';
import { fetchServiceOperation } from './operations/fetchService';
import { fetchVerificationOperation } from './operations/fetchVerification';
import { listServicesOperation } from './operations/listServices';
import { sendSmsOperation } from './operations/sendSms';
import { startVerificationOperation } from './operations/startVerification';
import { twilioRequestOperation } from './operations/twilioRequest';
import { updateServiceOperation } from './operations/updateService';
import { updateVerificationOperation } from './operations/updateVerification';

/** Every operation the action offers, in manifest order. */
export const OPERATION_NAMES = [
  'sendSms',
  'startVerification',
  'checkVerification',
  'fetchVerification',
  'updateVerification',
  'listServices',
  'createService',
  'fetchService',
  'updateService',
  'deleteService',
  'fetchAccount',
  'twilioRequest',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

/**
 * The registry the manifest and dialog service nodes are built from. `satisfies` makes a name without an operation
 * (or an operation without a name) a compile error, while each entry keeps its own output type.
 */
export const operations = {
  sendSms: sendSmsOperation,
  startVerification: startVerificationOperation,
  checkVerification: checkVerificationOperation,
  fetchVerification: fetchVerificationOperation,
  updateVerification: updateVerificationOperation,
  listServices: listServicesOperation,
  createService: createServiceOperation,
  fetchService: fetchServiceOperation,
  updateService: updateServiceOperation,
  deleteService: deleteServiceOperation,
  fetchAccount: fetchAccountOperation,
  twilioRequest: twilioRequestOperation,
} as const satisfies { readonly [K in OperationName]: Operation };

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && (OPERATION_NAMES as readonly string[]).includes(name);
}

/** Runs an operation by name with input from outside (a dialog's service node): validates, runs, checks the reply. */
export function runOperation(gw: TwilioGateway, name: string, input: unknown): Promise<unknown> {
  if (!isOperationName(name)) {
    const message = `Unknown operation: ${name}. Use one of: ${OPERATION_NAMES.join(', ')}`;
    return Promise.reject(new TwilioActionError({ code: 'invalid_input', status: 0, param: 'operation', twilioMessage: message, problems: [message] }));
  }
  return operations[name].run(gw, input ?? {});
}
