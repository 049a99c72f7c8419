/** A small client of a bot's `POST /api/messages` (expectReplies), shared by `tva chat` and the benchmark. */
export { BotClient, BotClientError, normalizeBotUrl } from './bot-client';
export type { BotClientErrorKind, BotClientOptions, OutgoingActivity } from './bot-client';
export { choiceOf, parseExpectedReplies, suggestedActionsOf } from './activity';
export type { ActionChoice, CardAction, ReplyActivity } from './activity';
