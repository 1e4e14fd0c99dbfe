/**
 * SID-constrained decoding as a token automaton: the answer schema
 * `{"recommendations": ["SID", "SID", …]}` (the fixed text between SIDs tokenized as the tokenizer splits it around
 * the added SID tokens, so that re-encoding the answer text gives the same ids) (or `{"explanation": "…", "recommendations": […]}` with reasoning)
 * where every SID is one of the slate's candidates and each candidate appears exactly once. Everything but the
 * SIDs (and the free explanation text) is forced; inside a SID only the children of the current trie node that
 * still lead to an unused candidate are allowed. Any path the automaton allows ends in a valid permutation.
 *
 * This file is pure (no model, no transformers.js); `local.ts` wraps it in a transformers.js `LogitsProcessor`.
 *
 * @packageDocumentation
 * @internal
 */
import { Gr2Error } from '../errors.js';
import { RERANK_ANSWER_KEYS } from '../prompt/parse_output.js';

/** @internal The JSON key of the reasoning trace in the constrained answer (the parser's and builders' key). */
export const REASONING_KEY = RERANK_ANSWER_KEYS.reasoning;
/** @internal The JSON key of the ranked list in the constrained answer. */
export const RANKING_KEY = RERANK_ANSWER_KEYS.ranking;

/** @internal Token ids of the fixed pieces of the answer schema, tokenized once per tokenizer. */
export interface AnswerSchemaTokens {
  /** `{"recommendations": ["` */
  readonly open: readonly number[];
  /** `{"explanation": "` */
  readonly openReasoning: readonly number[];
  /** the single token `"` that may end the explanation */
  readonly quoteToken: number;
  /** `, "recommendations": ["` (after the explanation's closing quote) */
  readonly afterReasoning: readonly number[];
  /** `", "` between two SIDs */
  readonly between: readonly number[];
  /** `"]}` after the last SID */
  readonly close: readonly number[];
  /** The end-of-sequence token generated after the answer. */
  readonly eos: number;
  /** Token ids that may not appear inside the explanation (quotes, backslashes, control characters, special and SID tokens). */
  readonly notInReasoning: Int32Array;
  /** The same set as a vocabulary-sized 0/1 table. */
  readonly blockedInReasoning: Uint8Array;
}

interface TrieNode {
  readonly children: Map<number, TrieNode>;
  /** Unused candidate occurrences below (or at) this node. */
  remaining: number;
  /** Candidates ending exactly here (count of unused ones). */
  leaf: number;
}

/** What may come next: a list of token ids, or "anything but `notInReasoning`". */
export type Allowed = { readonly kind: 'tokens'; readonly ids: readonly number[] } | { readonly kind: 'free'; readonly close: number };

/**
 * @internal One answer's automaton. `allowed()` says what may come next; `advance(token)` consumes a token
 * (throws when it is not allowed — the logits processor never lets that happen).
 */
export class SidAnswerAutomaton {
  private readonly queue: number[] = [];
  private mode: 'reason' | 'sid' | 'end' = 'sid';
  private readonly root: TrieNode;
  private node: TrieNode;
  private placed = 0;
  private reasoningTokens = 0;
  /** Candidate indices in the order the answer cites them (filled as SIDs complete). */
  readonly order: number[] = [];
  private path: number[] = [];
  private readonly byPath = new Map<string, number[]>();

  constructor(
    private readonly schema: AnswerSchemaTokens,
    private readonly candidates: readonly (readonly number[])[],
    reasoning: boolean,
    private readonly maxReasoningTokens: number,
  ) {
    if (candidates.length === 0) throw new Gr2Error('SID-constrained decoding needs at least one candidate.');
    this.root = { children: new Map(), remaining: 0, leaf: 0 };
    candidates.forEach((ids, c) => {
      let n = this.root;
      n.remaining++;
      for (const t of ids) {
        let next = n.children.get(t);
        if (!next) n.children.set(t, (next = { children: new Map(), remaining: 0, leaf: 0 }));
        n = next;
        n.remaining++;
      }
      n.leaf++;
      const key = ids.join(',');
      const list = this.byPath.get(key) ?? [];
      list.push(c);
      this.byPath.set(key, list);
    });
    this.node = this.root;
    if (reasoning) {
      this.queue.push(...schema.openReasoning);
      this.mode = 'reason';
    } else {
      this.queue.push(...schema.open);
    }
  }

  /** Whether the answer (with its end token) is complete. */
  get done(): boolean {
    return this.mode === 'end' && this.queue.length === 0;
  }

  /** The tokens allowed next. */
  allowed(): Allowed {
    if (this.queue.length > 0) return { kind: 'tokens', ids: [this.queue[0]!] };
    if (this.mode === 'end') return { kind: 'tokens', ids: [this.schema.eos] };
    if (this.mode === 'reason') {
      return this.reasoningTokens >= this.maxReasoningTokens
        ? { kind: 'tokens', ids: [this.schema.quoteToken] }
        : { kind: 'free', close: this.schema.quoteToken };
    }
    const ids: number[] = [];
    for (const [t, child] of this.node.children) if (child.remaining > 0) ids.push(t);
    return { kind: 'tokens', ids };
  }

  /** Consumes `token`. @throws Gr2Error when it is not allowed. */
  advance(token: number): void {
    if (this.queue.length > 0) {
      if (token !== this.queue[0]) throw new Gr2Error(`constrained decoding: expected token ${this.queue[0]}, got ${token}.`);
      this.queue.shift();
      return;
    }
    if (this.mode === 'end') {
      if (token !== this.schema.eos) throw new Gr2Error(`constrained decoding: expected the end token, got ${token}.`);
      return;
    }
    if (this.mode === 'reason') {
      if (token === this.schema.quoteToken) {
        this.queue.push(...this.schema.afterReasoning);
        this.mode = 'sid';
      } else {
        if (this.reasoningTokens >= this.maxReasoningTokens || this.schema.blockedInReasoning[token] === 1) {
          throw new Gr2Error(`constrained decoding: token ${token} is not allowed in the explanation.`);
        }
        this.reasoningTokens++;
      }
      return;
    }
    const child = this.node.children.get(token);
    if (!child || child.remaining === 0) throw new Gr2Error(`constrained decoding: token ${token} does not continue an unused candidate SID.`);
    this.path.push(token);
    this.node = child;
    if (child.children.size === 0 || (child.leaf > 0 && ![...child.children.values()].some((c) => c.remaining > 0))) {
      this.completeSid();
    }
  }

  private completeSid(): void {
    // mark one occurrence of this SID used, along its path
    let n = this.root;
    n.remaining--;
    for (const t of this.path) {
      n = n.children.get(t)!;
      n.remaining--;
    }
    n.leaf--;
    const same = this.byPath.get(this.path.join(','))!;
    this.order.push(same.shift()!);
    this.path = [];
    this.node = this.root;
    this.placed++;
    if (this.placed < this.candidates.length) {
      this.queue.push(...this.schema.between);
    } else {
      this.queue.push(...this.schema.close, this.schema.eos);
      this.mode = 'end';
    }
  }
}

/**
 * @internal Applies `allowed` to one row of logits in place: every other entry becomes `-Infinity`.
 * For `'free'`, the `notInReasoning` ids are masked and everything else is kept.
 */
export function maskRow(row: Float32Array, allowed: Allowed, notInReasoning: Int32Array): void {
  if (allowed.kind === 'free') {
    const keepClose = row[allowed.close]!;
    for (let i = 0; i < notInReasoning.length; i++) row[notInReasoning[i]!] = -Infinity;
    row[allowed.close] = keepClose;
    return;
  }
  const ids = allowed.ids;
  if (ids.length === 1) {
    const v = row[ids[0]!]!;
    row.fill(-Infinity);
    row[ids[0]!] = Number.isFinite(v) ? v : 0;
    return;
  }
  const keep = ids.map((id) => row[id]!);
  row.fill(-Infinity);
  ids.forEach((id, i) => (row[id] = Number.isFinite(keep[i]!) ? keep[i]! : 0));
}
