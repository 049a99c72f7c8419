/**
 * Picks dialog tasks by their intent utterances. Scores are precomputed per utterance (normalised text and token
 * set) and only utterances sharing a word with the user's text are scored, so matching stays fast with many dialogs.
 */
import type { DialogTask } from './schema';

export interface IntentCandidate {
  taskId: string;
  taskName: string;
  /** The utterance that matched best. */
  utterance: string;
  /** 1 exact, 0.9+ the utterance inside the text, lower for partial word overlap. */
  score: number;
  kind: 'exact' | 'contains' | 'overlap';
}

export type IntentDecision =
  | { kind: 'none' }
  | { kind: 'match'; candidate: IntentCandidate }
  | { kind: 'ambiguous'; candidates: IntentCandidate[] };

interface IndexedUtterance {
  taskId: string;
  taskName: string;
  utterance: string;
  normalized: string;
  tokens: ReadonlySet<string>;
}

/** Words that carry no intent on their own. */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'my', 'me', 'i', 'to', 'please', 'can', 'you', 'want', 'would', 'like', 'could', 'for', 'of',
  'is', 'it', 'some', 'one', 'someone', 'want', 'd', 'im', 'id', 'do',
]);

/** Lower case, no accents, no punctuation, single spaces. */
export function normalizeUtterance(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function contentTokens(normalized: string): Set<string> {
  const words = normalized.split(' ').filter((word) => word !== '');
  const content = words.filter((word) => !STOP_WORDS.has(word));
  return new Set(content.length > 0 ? content : words);
}

export interface IntentMatcherOptions {
  /** Lowest score returned by `match` (default 0.5). */
  threshold?: number;
  /** Two candidates closer than this are ambiguous (default 0.1). */
  ambiguityMargin?: number;
}

/** Ranks dialog tasks by how well a user's text fits their intent utterances. */
export class IntentMatcher {
  private readonly byToken = new Map<string, IndexedUtterance[]>();
  private readonly exact = new Map<string, IndexedUtterance[]>();
  private readonly threshold: number;
  private readonly margin: number;

  constructor(tasks: readonly DialogTask[], options: IntentMatcherOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    this.margin = options.ambiguityMargin ?? 0.1;
    for (const task of tasks) {
      const intent = task.nodes.find((node) => node.type === 'intent' && node.id === task.start);
      if (intent?.type !== 'intent') continue;
      for (const utterance of intent.utterances) {
        const normalized = normalizeUtterance(utterance);
        if (normalized === '') continue;
        const entry: IndexedUtterance = {
          taskId: task.id,
          taskName: task.name,
          utterance,
          normalized,
          tokens: contentTokens(normalized),
        };
        this.exact.set(normalized, [...(this.exact.get(normalized) ?? []), entry]);
        for (const token of entry.tokens) this.byToken.set(token, [...(this.byToken.get(token) ?? []), entry]);
      }
    }
  }

  /** Candidate dialogs for a text, best first, one per dialog, at or above the threshold. */
  match(text: string): IntentCandidate[] {
    const normalized = normalizeUtterance(text);
    if (normalized === '') return [];
    const best = new Map<string, IntentCandidate>();
    const offer = (entry: IndexedUtterance, score: number, kind: IntentCandidate['kind']) => {
      const current = best.get(entry.taskId);
      if (current === undefined || score > current.score) {
        best.set(entry.taskId, { taskId: entry.taskId, taskName: entry.taskName, utterance: entry.utterance, score, kind });
      }
    };
    for (const entry of this.exact.get(normalized) ?? []) offer(entry, 1, 'exact');
    const tokens = contentTokens(normalized);
    const padded = ` ${normalized} `;
    const seen = new Set<IndexedUtterance>();
    for (const token of tokens) {
      for (const entry of this.byToken.get(token) ?? []) {
        if (seen.has(entry)) continue;
        seen.add(entry);
        if (entry.normalized === normalized) continue;
        if (padded.includes(` ${entry.normalized} `)) {
          // Longer utterances inside the text are stronger evidence than short ones.
          offer(entry, 0.9 + 0.09 * (entry.normalized.length / normalized.length), 'contains');
          continue;
        }
        let shared = 0;
        for (const t of entry.tokens) if (tokens.has(t)) shared += 1;
        // Dice coefficient over content words: rewards covering the utterance without ignoring extra words.
        const score = (0.85 * (2 * shared)) / (entry.tokens.size + tokens.size);
        offer(entry, score, 'overlap');
      }
    }
    return [...best.values()]
      .filter((candidate) => candidate.score >= this.threshold)
      .sort((a, b) => b.score - a.score || a.taskId.localeCompare(b.taskId));
  }

  /** One clear winner, several close ones (ask "which one?"), or none. */
  decide(text: string): IntentDecision {
    const [first, second, ...rest] = this.match(text);
    if (first === undefined) return { kind: 'none' };
    if (second === undefined || first.kind === 'exact' || first.score - second.score >= this.margin) {
      return { kind: 'match', candidate: first };
    }
    const close = [first, second, ...rest].filter((candidate) => first.score - candidate.score < this.margin);
    return { kind: 'ambiguous', candidates: close };
  }
}
