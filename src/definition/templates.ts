/** The templates an empty `dialogs/` gets at a zero-config start: enough to send an SMS and verify a number. */
export const REQUIRED_TEMPLATES = ['send-sms', 'start-verification', 'check-verification'] as const;

/**
 * The order dialogs are offered in (greeting, help, buttons): what people come for first. Dialogs not listed (a
 * developer's own) follow, by name.
 */
export const TEMPLATE_ORDER = [
  'verify-phone-number',
  'send-sms',
  'start-verification',
  'check-verification',
  'verification-status',
  'cancel-verification',
  'verify-payment',
] as const;

/** Sorts items with an id by {@link TEMPLATE_ORDER}, the others after them by name. */
export function inOfferOrder<T extends { id: string; name: string }>(items: readonly T[]): T[] {
  const rank = (id: string) => {
    const index = (TEMPLATE_ORDER as readonly string[]).indexOf(id);
    return index === -1 ? TEMPLATE_ORDER.length : index;
  };
  return [...items].sort((a, b) => rank(a.id) - rank(b.id) || a.name.localeCompare(b.name));
}
