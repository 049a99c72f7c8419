/**
 * A small client of a bot's `POST /api/messages` (expectReplies) and the activity helpers its surfaces share: `tva chat`,
 * the benchmark and the chat page (src/pages/chat). Nothing here imports Node-only modules, so the page bundles it.
 */
export { BotClient, BotClientError, normalizeBotUrl, randomId } from './bot-client';
export type { BotClientErrorKind, BotClientOptions, OutgoingActivity } from './bot-client';
export { choiceOf, messageTextOf, parseExpectedReplies, suggestedActionsOf } from './activity';
export type { ActionChoice, CardAction, ReplyActivity } from './activity';
export { ConversationNumbers, numberKey, numberKeysIn } from './numbers';
