/**
 * A generic name → implementation registry, shared by backends and policy losses.
 *
 * @packageDocumentation
 */
import { RegistryError, typeError } from './errors.js';

/** @internal A typed name → value map with strict lookups (verl `register_policy_loss` / `get_policy_loss_fn`). */
export interface Registry<T> {
  /** Registers `value` under `name`. Re-registering the same value is a no-op; a different value throws. */
  register(name: string, value: T, options?: { override?: boolean }): void;
  /** Returns the value; throws {@link RegistryError} listing the registered names when absent. */
  get(name: string): T;
  /** Returns the value or `undefined`. */
  find(name: string): T | undefined;
  has(name: string): boolean;
  remove(name: string): boolean;
  names(): string[];
}

/**
 * @internal
 * Creates a registry. The registry is stored on `globalThis` under `Symbol.for('gr2.<kind>')` so that
 * duplicate copies of the package share it.
 *
 * @example
 * ```ts
 * const losses = createRegistry<(x: number) => number>('policy loss');
 * losses.register('double', (x) => 2 * x);
 * losses.get('double')(2); // 4
 * losses.get('triple');    // RegistryError: Unknown policy loss 'triple'. Registered: double.
 * ```
 */
export function createRegistry<T>(kind: string): Registry<T> {
  const key = Symbol.for(`gr2.registry.${kind}`);
  const holder = globalThis as unknown as Record<symbol, Map<string, T> | undefined>;
  const map: Map<string, T> = holder[key] ?? new Map<string, T>();
  holder[key] = map;
  return {
    register(name, value, options) {
      if (typeof name !== 'string' || name.length === 0) {
        throw typeError('Registry.register', 'name', `a non-empty string (${kind} name)`, name);
      }
      const existing = map.get(name);
      if (existing !== undefined && existing !== value && !options?.override) {
        throw new RegistryError(
          `A different ${kind} is already registered as '${name}'. Remove it first or pass {override: true}.`,
        );
      }
      map.set(name, value);
    },
    get(name) {
      const value = map.get(name);
      if (value === undefined) {
        throw new RegistryError(`Unknown ${kind} '${name}'. Registered: ${[...map.keys()].join(', ') || '(none)'}.`);
      }
      return value;
    },
    find: (name) => map.get(name),
    has: (name) => map.has(name),
    remove: (name) => map.delete(name),
    names: () => [...map.keys()],
  };
}
