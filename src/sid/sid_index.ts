/**
 * `SidIndex`: a two-way map between item ids and semantic IDs.
 *
 * @packageDocumentation
 */
import { Gr2Error, rangeError, raw, typeError, checkOptions } from '../errors.js';
import { codeRow, toSidCodes, type SidCodesLike } from './codes.js';
import {
  DEFAULT_SID_SPEC,
  createSidSpec,
  parseSids,
  renderSid,
  sidKey,
  tryParseSid,
  validateSidSpec,
  type ParseSidsOptions,
  type SemanticId,
  type SidSpec,
} from './sid_string.js';

import type { ItemId } from '../metrics/types.js';
/** An item identifier: a number (e.g. 1-based dataset id) or a string (one type for the whole library). */
export type { ItemId };

/** Widens literal id types (`101 | 102` → `number`) so an index built from literals accepts any id. */
export type WidenItemId<Id extends ItemId> = Id extends number ? number : Id extends string ? string : Id;

/** Options of {@link SidIndex}. */
export interface SidIndexOptions {
  /** SID string format and codebook sizes used to render and validate. @defaultValue `DEFAULT_SID_SPEC` (4 × 256) */
  readonly spec?: SidSpec;
  /**
   * Accept several items with the same SID. When false, a duplicate SID throws a `Gr2Error` naming the
   * items. When true, {@link SidIndex.itemOf} returns the first item added and {@link SidIndex.itemsOf} all.
   * @defaultValue `false`
   */
  readonly allowCollisions?: boolean;
}

/** A SID found in text and the item it names. */
export interface SidItemMatch<Id extends ItemId> {
  /** The item with this SID (the first one when collisions are allowed), or `undefined` when unknown. */
  readonly item: Id | undefined;
  /** The codes as parsed. */
  readonly codes: number[];
  /** Start offset in the text. */
  readonly start: number;
  /** End offset (exclusive). */
  readonly end: number;
}

/** JSON form of a {@link SidIndex} (see {@link SidIndex.toJSON}). */
export interface SidIndexJson<Id extends ItemId = ItemId> {
  readonly format: 'gr2-sid-index';
  readonly version: 1;
  readonly spec: { readonly codebookSizes: readonly number[]; readonly levelPrefixes: readonly string[]; readonly tokenTemplate: string; readonly begin: string; readonly end: string };
  readonly entries: readonly (readonly [Id, readonly number[]])[];
}

/**
 * Bidirectional map item id ↔ SID, with collision groups and text lookup.
 *
 * @example
 * ```ts
 * const index = SidIndex.fromCodes([101, 102], [[97, 168, 137, 135], [1, 2, 3, 4]]);
 * index.sidOf(101);   // '<|sid_begin|><s_a_97><s_b_168><s_c_137><s_d_135><|sid_end|>'
 * index.itemOf('<|sid_begin|><s_a_1><s_b_2><s_c_3><s_d_4><|sid_end|>'); // 102
 * index.itemOf([97, 168, 137, 135]); // 101
 * ```
 */
export class SidIndex<Id extends ItemId = ItemId> {
  /** The SID format. */
  readonly spec: SidSpec;
  private readonly byItem = new Map<Id, readonly number[]>();
  private readonly byKey = new Map<string, Id[]>();
  private readonly allowCollisions: boolean;

  /**
   * @param entries - `[itemId, codes]` pairs.
   * @param options - spec and collision policy.
   * @throws RangeError for a duplicate item id or codes invalid under the spec; `Gr2Error` for a
   *   duplicate SID unless `allowCollisions`.
   */
  constructor(entries: Iterable<readonly [Id, SemanticId]> = [], options: SidIndexOptions = {}) {
    checkOptions('SidIndex', options, ['spec', 'allowCollisions']);
    this.spec = validateSidSpec(options.spec ?? DEFAULT_SID_SPEC, 'SidIndex');
    this.allowCollisions = options.allowCollisions ?? false;
    if (entries === null || typeof (entries as Iterable<unknown>)?.[Symbol.iterator] !== 'function' || typeof entries === 'string') {
      throw typeError('SidIndex', 'entries', 'an iterable of [id, sid] pairs', entries);
    }
    let i = 0;
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) throw typeError('SidIndex', `entries[${i}]`, 'an [id, sid] pair', entry);
      this.add(entry[0] as Id, entry[1] as SemanticId);
      i++;
    }
  }

  /**
   * Builds an index from item ids and a code matrix (row `i` ↔ `items[i]`).
   *
   * @param items - item ids, one per row of `codes`.
   * @param codes - `[n, levels]` codes.
   * @param options - spec (default: `levels` from the codes, 256 codes per level unless given) and collision policy.
   * @throws RangeError when the lengths differ.
   */
  static fromCodes<Id extends ItemId>(items: readonly Id[], codes: SidCodesLike, options: SidIndexOptions = {}): SidIndex<WidenItemId<Id>> {
    checkOptions('SidIndex.fromCodes', options, ['spec', 'allowCollisions']);
    const C = toSidCodes(codes, 'codes', 'SidIndex.fromCodes');
    if (!Array.isArray(items)) throw typeError('SidIndex.fromCodes', 'items', 'an array of ids', items);
    if (items.length !== C.dims[0]) throw rangeError('SidIndex.fromCodes', 'items', `of length ${C.dims[0]} (rows of codes)`, raw(`length ${items.length}`));
    const spec = options.spec ?? createSidSpec({ levels: C.dims[1]! });
    const idx = new SidIndex<WidenItemId<Id>>([], { ...options, spec });
    for (let i = 0; i < items.length; i++) idx.add(items[i]! as WidenItemId<Id>, codeRow(C, i));
    return idx;
  }

  /** Restores an index from {@link SidIndex.toJSON}. */
  static fromJSON<Id extends ItemId>(json: SidIndexJson<Id>, options: Omit<SidIndexOptions, 'spec'> = {}): SidIndex<Id> {
    if (!json || json.format !== 'gr2-sid-index') throw typeError('SidIndex.fromJSON', 'json', "a gr2-sid-index object", json);
    const spec = createSidSpec({ ...json.spec });
    return new SidIndex<Id>(json.entries, { ...options, spec });
  }

  /**
   * Adds one item.
   *
   * @throws RangeError for a duplicate item id or invalid codes; `Gr2Error` for a duplicate SID unless allowed.
   */
  add(id: Id, codes: SemanticId): void {
    if (typeof id !== 'number' && typeof id !== 'string') throw typeError('SidIndex.add', 'id', 'a number or string', id);
    if (this.byItem.has(id)) throw rangeError('SidIndex.add', 'id', 'not already in the index', id);
    renderSid(codes, this.spec); // validates levels and code ranges
    const key = sidKey(codes);
    const group = this.byKey.get(key);
    if (group && !this.allowCollisions) {
      throw new Gr2Error(
        `SidIndex.add: item ${JSON.stringify(id)} has the same SID [${codes.join(', ')}] as item ${JSON.stringify(group[0])}. ` +
          'Make SIDs unique (ResidualQuantizer.assignSids with lastLevel "collision-aware") or pass {allowCollisions: true}.',
      );
    }
    this.byItem.set(id, Object.freeze([...codes]));
    if (group) group.push(id);
    else this.byKey.set(key, [id]);
  }

  /** Number of items. */
  get size(): number {
    return this.byItem.size;
  }

  /** Whether the item is indexed. */
  has(id: Id): boolean {
    return this.byItem.has(id);
  }

  /** The codes of an item, or `undefined`. */
  codesOf(id: Id): readonly number[] | undefined {
    return this.byItem.get(id);
  }

  /** The rendered SID string of an item, or `undefined`. */
  sidOf(id: Id): string | undefined {
    const c = this.byItem.get(id);
    return c ? renderSid(c, this.spec) : undefined;
  }

  private keyOf(fn: string, sid: string | SemanticId): string | null {
    if (typeof sid === 'string') {
      const codes = tryParseSid(sid, this.spec);
      return codes === null ? null : sidKey(codes);
    }
    if (!Array.isArray(sid)) throw typeError(fn, 'sid', 'a SID string or an array of codes', sid);
    return sid.length === 0 ? null : sidKey(sid);
  }

  /** The item with this SID (string or codes); the first added when several share it; `undefined` if none. */
  itemOf(sid: string | SemanticId): Id | undefined {
    const key = this.keyOf('SidIndex.itemOf', sid);
    return key === null ? undefined : this.byKey.get(key)?.[0];
  }

  /** All items with this SID (empty when none). */
  itemsOf(sid: string | SemanticId): readonly Id[] {
    const key = this.keyOf('SidIndex.itemsOf', sid);
    return key === null ? [] : (this.byKey.get(key) ?? []);
  }

  /** Groups of items that share a SID (only groups of size ≥ 2), in insertion order. */
  collisionGroups(): Id[][] {
    return [...this.byKey.values()].filter((g) => g.length > 1).map((g) => [...g]);
  }

  /** Uniqueness = distinct SIDs / items (1 when empty). */
  get uniqueness(): number {
    return this.byItem.size === 0 ? 1 : this.byKey.size / this.byItem.size;
  }

  /**
   * Every SID in free text, resolved to items (see `parseSids` for the tolerated formats).
   *
   * @example
   * ```ts
   * index.findItems('I pick <|sid_begin|><s_a_1> <s_b_2><s_c_3><s_d_4><|sid_end|> first');
   * // [{ item: 102, codes: [1, 2, 3, 4], start: 7, end: 60 }]
   * ```
   */
  findItems(text: string, options: ParseSidsOptions = {}): SidItemMatch<Id>[] {
    return parseSids(text, this.spec, options).map((m) => ({
      item: this.byKey.get(sidKey(m.codes))?.[0],
      codes: m.codes,
      start: m.start,
      end: m.end,
    }));
  }

  /** Item ids in insertion order. */
  items(): Id[] {
    return [...this.byItem.keys()];
  }

  /** A JSON-serialisable form (spec + entries). */
  toJSON(): SidIndexJson<Id> {
    const s = this.spec;
    return {
      format: 'gr2-sid-index',
      version: 1,
      spec: { codebookSizes: s.codebookSizes, levelPrefixes: s.levelPrefixes, tokenTemplate: s.tokenTemplate, begin: s.begin, end: s.end },
      entries: [...this.byItem.entries()].map(([id, c]) => [id, [...c]] as const),
    };
  }
}
