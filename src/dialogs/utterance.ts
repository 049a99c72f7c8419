/**
 * What the opening utterance already says. "text +14155550123 saying hi" names the number and the message: the
 * dialog should not ask for them again. The engine offers these values to the dialog's entity nodes in order, each
 * checked by the node's own recognizer when the dialog reaches it (an offer that does not fit is simply asked for).
 *
 * Deliberately narrow, to never take a word for an answer it is not:
 * - a phone number (libphonenumber's finder, with the default region) for the first phone entity;
 * - an e-mail address for the first e-mail entity;
 * - a standalone group of 4 to 10 digits that is not part of that phone number for the first digits entity;
 * - the text after "saying", "that says", "which says" or "with the message" for the first text entity whose
 *   default does not come from configuration or user state (those are not the user's words).
 */
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';
import type { DialogTask, EntityNode } from './schema';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/;
const DIGITS = /(?<![\d+])\d{4,10}(?!\d)/g;
const SAYING = /\b(?:saying|that says|which says|with the message)\s*[:,]?\s*(.+)$/i;

function unquote(text: string): string {
  const trimmed = text.trim();
  const quoted = /^["“'‘](.*)["”'’]$/s.exec(trimmed);
  return (quoted?.[1] ?? trimmed).trim();
}

/** Values the utterance offers, by entity name (see the module comment). */
export function entitiesInUtterance(task: DialogTask, utterance: string, defaultRegion?: CountryCode): Record<string, string> {
  const offers: Record<string, string> = {};
  const entityNodes = task.nodes.filter((node): node is EntityNode => node.type === 'entity');
  const first = (type: EntityNode['entityType'], extra: (node: EntityNode) => boolean = () => true) =>
    entityNodes.find((node) => node.entityType === type && extra(node) && !(node.entity in offers));

  const saying = SAYING.exec(utterance);
  const before = saying ? utterance.slice(0, saying.index) : utterance;
  const textNode = saying ? first('text', (node) => !/\b(?:config|user)\./.test(node.default ?? '')) : undefined;
  if (textNode && saying?.[1] !== undefined && unquote(saying[1]) !== '') offers[textNode.entity] = unquote(saying[1]);

  const phones = findPhoneNumbersInText(before, defaultRegion);
  const phone = phones[0];
  const phoneNode = first('phone');
  if (phone && phoneNode) offers[phoneNode.entity] = before.slice(phone.startsAt, phone.endsAt);

  const email = EMAIL.exec(before);
  const emailNode = first('email');
  if (email && emailNode) offers[emailNode.entity] = email[0];

  const digitsNode = first('digits');
  if (digitsNode) {
    for (const match of before.matchAll(DIGITS)) {
      const at = match.index;
      const inPhone = phones.some((p) => at >= p.startsAt && at < p.endsAt);
      if (!inPhone) {
        offers[digitsNode.entity] = match[0];
        break;
      }
    }
  }
  return offers;
}

/** The utterance without the values it names, for recognizing which dialog it asks for ("text" in "text +1415… saying hi"). */
export function utteranceWithoutValues(utterance: string, defaultRegion?: CountryCode): string {
  const saying = SAYING.exec(utterance);
  let rest = saying ? utterance.slice(0, saying.index) : utterance;
  for (const found of findPhoneNumbersInText(rest, defaultRegion).reverse()) rest = rest.slice(0, found.startsAt) + rest.slice(found.endsAt);
  // Number-like runs too, valid or not ("+1 555"): a mistyped number is still not a word of the request.
  return rest
    .replace(new RegExp(EMAIL.source, 'g'), ' ')
    .replace(/\+?\(?\d[\d\s().-]*\d|\+?\d/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
