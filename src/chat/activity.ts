/**
 * The small slice of the Bot Framework activity schema that the chat surfaces read and write.
 * Kept apart from `botbuilder`'s types on purpose: the clients speak plain HTTP, so a port to another
 * bot SDK (see PRODUCT.md, "Setup facts") does not touch them.
 */
import { isRecord } from '../json';

/** A button the bot offers (`activity.suggestedActions.actions[]`). */
export interface CardAction {
  type: string;
  title: string;
  value?: unknown;
  text?: string;
  displayText?: string;
}

/** An activity the bot sent back, validated enough to render. */
export interface ReplyActivity {
  type: string;
  id?: string;
  text?: string;
  name?: string;
  value?: unknown;
  timestamp?: string;
  suggestedActions?: { actions: CardAction[] };
  /** Everything else the bot sent, untouched (attachments, entities, channelData…). */
  [field: string]: unknown;
}

/** Types of card action that send something back to the bot when chosen. */
export const SENDING_ACTION_TYPES: readonly string[] = ['imBack', 'postBack', 'messageBack'];

/** What choosing a suggested action sends: the text of the message, what the user sees, and any value. */
export interface ActionChoice {
  text: string;
  display: string;
  value?: unknown;
}

/**
 * Turns a suggested action into the message it sends. `imBack` sends its value as typed text;
 * `postBack` and `messageBack` carry a value the bot reads (and a text when the value is not one).
 * An empty string counts as absent. Returns undefined for actions that send nothing (openUrl, call…, or an
 * `imBack`/`postBack` with neither a value nor a title).
 */
export function choiceOf(action: CardAction): ActionChoice | undefined {
  const valueText = typeof action.value === 'string' ? action.value : '';
  switch (action.type) {
    case 'imBack': {
      const text = valueText || action.title;
      return text ? { text, display: text } : undefined;
    }
    case 'postBack': {
      const text = valueText || action.title;
      return text ? { text, display: action.title || text, value: action.value } : undefined;
    }
    case 'messageBack': {
      const text = action.text ?? (valueText || action.title);
      return { text, display: action.displayText ?? (action.title || text), value: action.value };
    }
    default:
      return undefined;
  }
}

/** The suggested actions of a reply that send something back, in order. */
export function suggestedActionsOf(activity: ReplyActivity): CardAction[] {
  return (activity.suggestedActions?.actions ?? []).filter((a) => SENDING_ACTION_TYPES.includes(a.type));
}

/** Shown for a card the surface cannot show (no title, subtitle or text). */
export const UNREADABLE_CARD = '(This message holds a card that this page cannot show.)';

/**
 * What a message activity says as plain text: its text, then each attachment's title, subtitle and text (a card
 * without any stands as {@link UNREADABLE_CARD}), separated by blank lines. Empty when there is nothing.
 */
export function messageTextOf(activity: ReplyActivity): string {
  const texts = activity.text ? [activity.text] : [];
  const attachments: unknown[] = Array.isArray(activity.attachments) ? activity.attachments : [];
  for (const attachment of attachments) texts.push(cardText(attachment) || UNREADABLE_CARD);
  return texts.join('\n\n');
}

function cardText(attachment: unknown): string {
  const content = isRecord(attachment) && isRecord(attachment.content) ? attachment.content : {};
  return [content.title, content.subtitle, content.text].filter((p): p is string => typeof p === 'string' && p !== '').join('\n');
}

function parseCardAction(raw: unknown): CardAction | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  const title = typeof raw.title === 'string' ? raw.title : typeof raw.value === 'string' ? raw.value : '';
  const action: CardAction = { type: raw.type, title };
  if ('value' in raw) action.value = raw.value;
  if (typeof raw.text === 'string') action.text = raw.text;
  if (typeof raw.displayText === 'string') action.displayText = raw.displayText;
  return action;
}

/**
 * Validates one activity from a reply body. Returns a reason string when it is not an activity.
 * Unknown fields are kept; known fields of the wrong type are dropped rather than trusted.
 */
export function parseReplyActivity(raw: unknown): ReplyActivity | string {
  if (!isRecord(raw)) return 'an activity is not an object';
  if (typeof raw.type !== 'string' || raw.type === '') return 'an activity has no "type"';
  const activity: ReplyActivity = { ...raw, type: raw.type };
  for (const field of ['id', 'text', 'name', 'timestamp'] as const) {
    if (field in raw && typeof raw[field] !== 'string') delete activity[field];
  }
  delete activity.suggestedActions;
  const suggested = raw.suggestedActions;
  if (isRecord(suggested) && Array.isArray(suggested.actions)) {
    const actions = suggested.actions.map(parseCardAction).filter((a): a is CardAction => a !== undefined);
    activity.suggestedActions = { actions };
  }
  return activity;
}

/**
 * Validates the body of an `expectReplies` response: `{ activities: [...] }`.
 * Returns the activities, or a reason string saying what is wrong.
 */
export function parseExpectedReplies(body: unknown): ReplyActivity[] | string {
  if (!isRecord(body)) return 'the reply is not a JSON object';
  if (!Array.isArray(body.activities)) return 'the reply has no "activities" list';
  const activities: ReplyActivity[] = [];
  for (const raw of body.activities) {
    const parsed = parseReplyActivity(raw);
    if (typeof parsed === 'string') return parsed;
    activities.push(parsed);
  }
  return activities;
}
