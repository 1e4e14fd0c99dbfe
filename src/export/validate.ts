/**
 * Row checks shared by the exporters (messages, strings, integer arrays).
 *
 * @packageDocumentation
 */
import { typeError } from '../errors.js';
import type { ChatMessage } from '../prompt/types.js';

const ROLES = new Set(['system', 'user', 'assistant']);

/** @internal Throws unless `v` is a plain object. */
export function checkObject(fn: string, arg: string, v: unknown): asserts v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw typeError(fn, arg, 'an object', v);
}

/** @internal Throws unless `v` is a string. */
export function checkString(fn: string, arg: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') throw typeError(fn, arg, 'a string', v);
}

/** @internal Throws unless `v` is an array of `{role, content}` chat messages; returns plain copies. */
export function checkMessages(fn: string, arg: string, v: unknown, allowEmpty = false): ChatMessage[] {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) throw typeError(fn, arg, 'a non-empty array of chat messages', v);
  const out: ChatMessage[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const m = v[i] as { role?: unknown; content?: unknown } | null;
    if (m === null || typeof m !== 'object' || Array.isArray(m) || !ROLES.has(m.role as string) || typeof m.content !== 'string') {
      throw typeError(fn, `${arg}[${i}]`, "a {role: 'system' | 'user' | 'assistant', content: string} message", m);
    }
    out[i] = { role: m.role as ChatMessage['role'], content: m.content };
  }
  return out;
}
