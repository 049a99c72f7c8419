/** Message delivery: status order and sentences, the ledger of sent messages, Twilio's signed status callbacks. */
export { MessageLedger, maskNumber, MESSAGES_NAMESPACE, NOTICES_NAMESPACE } from './messages';
export type { MessageLedgerOptions, MessageRecord, MessageSender, StatusChange, StatusUpdate } from './messages';
export { receiveStatusCallback } from './receiver';
export type { StatusCallbackAnswer, StatusCallbackDeps, StatusCallbackRequest } from './receiver';
export { isSignedByTwilio } from './signature';
export { advanceStatus, deliveryOutcomeMessage, isFinalStatus, isMessageStatus, MESSAGE_STATUSES } from './status';
export type { MessageStatus } from './status';
