/**
 * Phone numbers a conversation mentions, so the emulator's outbox can show this conversation's deliveries first (the
 * chat page) or only them (`tva chat`). Numbers are compared by their last ten digits: "+14155550123",
 * "(415) 555-0123" and "4155550123" are the same phone.
 */

const CANDIDATE = /\+?\d[\d\s().-]{5,20}\d/g;
const KEY_DIGITS = 10;

/** The comparison key of a number: its last ten digits, or undefined when it has too few or too many digits. */
export function numberKey(text: string): string | undefined {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return undefined;
  return digits.slice(-KEY_DIGITS);
}

/** The keys of the phone numbers written in `text` (as a person types them or a bot echoes them). */
export function numberKeysIn(text: string): string[] {
  const keys: string[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const key = numberKey(match[0]);
    if (key !== undefined && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** The numbers one conversation has mentioned so far. */
export class ConversationNumbers {
  private readonly keys = new Set<string>();

  /** Notes the numbers in a message said by either side. */
  note(text: string): void {
    for (const key of numberKeysIn(text)) this.keys.add(key);
  }

  /** Whether a delivery to `to` belongs to this conversation. */
  has(to: string): boolean {
    const key = numberKey(to);
    return key !== undefined && this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  clear(): void {
    this.keys.clear();
  }
}
