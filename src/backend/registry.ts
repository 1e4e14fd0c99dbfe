/**
 * Backend registry and selection, in the style of tfjs-core's engine: `registerBackend` with a priority,
 * `ready()` picks the highest priority that initialises (reporting every failure), `setBackend` is strict.
 *
 * @packageDocumentation
 */
import { BackendInitError, RegistryError, typeError } from '../errors.js';
import { log } from '../env.js';
import type { BackendFactory, BackendName, TensorBackend } from './types.js';
import type { OnnxBackendOptions } from './onnx/options.js';

interface Entry {
  factory: BackendFactory<any>;
  priority: number;
  /** Initialisation promise per options key; shared by concurrent callers. */
  instances: Map<string, Promise<TensorBackend>>;
  failure?: unknown;
}

interface State {
  entries: Map<string, Entry>;
  active: TensorBackend | null;
  activeName: string | null;
  readyPromise: Promise<TensorBackend> | null;
}

const KEY = Symbol.for('gr2.backendRegistry');
const holder = globalThis as unknown as Record<symbol, State | undefined>;
const state: State = holder[KEY] ?? { entries: new Map(), active: null, activeName: null, readyPromise: null };
holder[KEY] = state;

let uncacheable = 0;

/** Cache key of backend options; options that JSON cannot encode get a key of their own (never shared). */
function optionsKey(options: unknown): string {
  if (options === undefined) return '';
  try {
    return JSON.stringify(options);
  } catch {
    return `\u0000uncacheable-${++uncacheable}`;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Registers a backend factory under `name`.
 *
 * Re-registering the same factory is a no-op; a different factory under a taken name throws
 * {@link RegistryError} (remove it first). Built-ins: `'js'` (priority 1) and `'onnx'` (priority 2).
 *
 * @param name - the backend name, e.g. `'onnx'`.
 * @param factory - creates (or resolves to) the backend; receives the options given to `setBackend`.
 * @param options - `priority`: higher wins in {@link ready}; a negative priority is never chosen automatically (default 1).
 * @example
 * ```ts
 * registerBackend('mine', () => new MyBackend(), { priority: 5 });
 * ```
 */
export function registerBackend<O>(name: string, factory: BackendFactory<O>, options?: { priority?: number }): void {
  if (typeof name !== 'string' || name.length === 0) throw typeError('registerBackend', 'name', 'a non-empty string', name);
  if (typeof factory !== 'function') throw typeError('registerBackend', 'factory', 'a function', factory);
  const priority = options?.priority ?? 1;
  if (!Number.isFinite(priority)) throw typeError('registerBackend', 'options.priority', 'a finite number', priority);
  const existing = state.entries.get(name);
  if (existing) {
    if (existing.factory === factory) return;
    throw new RegistryError(`registerBackend: backend '${name}' is already registered with a different factory. Call removeBackend('${name}') first.`);
  }
  state.entries.set(name, { factory, priority, instances: new Map() });
}

/**
 * Removes a backend, disposing its initialised instances; when it was the active backend, no backend is
 * active afterwards (the next call without `{backend}` runs `ready()` again).
 *
 * @param name - the registered name.
 * @returns whether a backend of that name was registered.
 * @example
 * ```ts
 * await removeBackend('mine');   // true
 * await removeBackend('mine');   // false
 * ```
 */
export async function removeBackend(name: string): Promise<boolean> {
  const entry = state.entries.get(name);
  if (!entry) return false;
  state.entries.delete(name);
  if (state.activeName === name) {
    state.active = null;
    state.activeName = null;
    state.readyPromise = null;
  }
  for (const p of entry.instances.values()) {
    try {
      await (await p).dispose();
    } catch {
      /* failed initialisations have nothing to dispose */
    }
  }
  return true;
}

/**
 * The registered backends, highest priority first, with whether each has initialised or failed.
 *
 * @returns one entry per backend.
 * @example
 * ```ts
 * listBackends();
 * // [{ name: 'onnx', priority: 2, initialized: false, failed: false },
 * //  { name: 'js', priority: 1, initialized: false, failed: false }]
 * ```
 */
export function listBackends(): { name: string; priority: number; initialized: boolean; failed: boolean }[] {
  return [...state.entries.entries()]
    .map(([name, e]) => ({ name, priority: e.priority, initialized: e.instances.size > 0 && e.failure === undefined, failed: e.failure !== undefined }))
    .sort((a, b) => b.priority - a.priority);
}

function entryOf(fn: string, name: string): Entry {
  if (typeof name !== 'string') throw typeError(fn, 'name', 'a backend name (string)', name);
  const entry = state.entries.get(name);
  if (!entry) {
    throw new RegistryError(`${fn}: unknown backend '${name}'. Registered: ${[...state.entries.keys()].join(', ') || '(none)'}.`);
  }
  return entry;
}

/**
 * Initialises (once per options) and returns the backend `name`. Concurrent callers with equal options share
 * one initialisation; a failed one is not cached, so a later call retries.
 *
 * @param name - a registered backend name.
 * @param options - backend options (e.g. `{device: 'cpu'}` for `'onnx'`), compared by their JSON form.
 * @throws {@link index!RegistryError | RegistryError} for an unknown name; `TypeError`/`RangeError` for malformed options;
 *   {@link BackendInitError} (with the cause) when the factory fails.
 * @example
 * ```ts
 * const onnx = await initBackend('onnx', { device: 'cpu' });
 * onnx.info().executionProviders; // ['cpu']
 * ```
 */
export function initBackend(name: string, options?: unknown): Promise<TensorBackend> {
  const entry = entryOf('initBackend', name);
  const key = optionsKey(options);
  let p = entry.instances.get(key);
  if (!p) {
    p = (async () => {
      try {
        const backend = await entry.factory(options);
        entry.failure = undefined;
        return backend;
      } catch (e) {
        entry.failure = e;
        // malformed options are the caller's error: keep TypeError/RangeError as they are
        if (e instanceof BackendInitError || e instanceof TypeError || e instanceof RangeError) throw e;
        throw new BackendInitError(`Backend '${name}' failed to initialise: ${errorText(e)}`, { cause: e });
      }
    })();
    entry.instances.set(key, p);
    // a failed initialisation is not cached (the factory may throw synchronously, so drop it here, after set)
    const failed = p;
    failed.catch(() => {
      if (entry.instances.get(key) === failed) entry.instances.delete(key);
    });
  }
  return p;
}

/**
 * Initialises the highest-priority backend that succeeds and makes it active. Failures are logged as
 * warnings and the next backend is tried. Concurrent callers share one initialisation.
 *
 * @returns the active backend.
 * @throws {@link BackendInitError} listing every failure as `[name] cause` when none initialises.
 * @example
 * ```ts
 * const backend = await ready();
 * backend.info(); // { name: 'onnx', device: 'cpu', executionProviders: ['cpu'], … }
 * ```
 */
export function ready(): Promise<TensorBackend> {
  if (state.active) return Promise.resolve(state.active);
  if (state.readyPromise) return state.readyPromise;
  const p = (async () => {
    const candidates = [...state.entries.entries()].filter(([, e]) => e.priority >= 0).sort((a, b) => b[1].priority - a[1].priority);
    const failures: { name: string; error: unknown }[] = [];
    for (const [name] of candidates) {
      try {
        const backend = await initBackend(name);
        state.active = backend;
        state.activeName = name;
        return backend;
      } catch (e) {
        failures.push({ name, error: e });
        log('warning', `backend '${name}' failed to initialise, trying the next one: ${errorText(e)}`);
      }
    }
    const list = failures.map((f) => `[${f.name}] ${errorText(f.error)}`).join(', ');
    throw new BackendInitError(`no available backend found. ERR: ${list || '(no backends registered)'}`, {
      cause: failures.map((f) => f.error),
    });
  })();
  state.readyPromise = p;
  p.catch(() => {
    if (state.readyPromise === p) state.readyPromise = null;
  });
  return p;
}

/**
 * Makes `name` the active backend, initialised with `options` (e.g. `{device: 'cuda'}` for `'onnx'`).
 * Strict: an unknown name throws {@link RegistryError}; a failed initialisation throws
 * {@link BackendInitError} and leaves the previous backend active.
 *
 * @example
 * ```ts
 * await setBackend('onnx', { device: 'cpu' });
 * await setBackend('js');
 * ```
 */
export async function setBackend(name: 'onnx', options?: OnnxBackendOptions): Promise<TensorBackend>;
export async function setBackend(name: 'js', options?: undefined): Promise<TensorBackend>;
/** Any other registered backend, with the options its factory takes. */
export async function setBackend<N extends string>(name: N extends 'onnx' | 'js' ? never : N, options?: unknown): Promise<TensorBackend>;
export async function setBackend(name: BackendName, options?: unknown): Promise<TensorBackend> {
  entryOf('setBackend', name);
  const backend = await initBackend(name, options);
  state.active = backend;
  state.activeName = name;
  state.readyPromise = null;
  return backend;
}

/**
 * The active backend (synchronous).
 *
 * @returns the backend chosen by `ready()` or `setBackend()`.
 * @throws {@link BackendInitError} when no backend is active yet: await `ready()` or `setBackend()` first.
 * @example
 * ```ts
 * await setBackend('js');
 * getBackend().name;   // 'js'
 * ```
 */
export function getBackend(): TensorBackend {
  if (!state.active) {
    throw new BackendInitError('getBackend: no backend is active yet. Make sure to await ready() or setBackend() first.');
  }
  return state.active;
}

/**
 * Resolves a per-call `backend` option: `undefined` → the active backend (initialising via `ready()`),
 * a name → that backend (strict, default options), an object → itself.
 *
 * @param spec - a backend name, a backend instance, or nothing.
 * @returns the backend to run on.
 * @throws {@link index!RegistryError | RegistryError} for an unknown name; {@link BackendInitError} when it cannot initialise.
 * @example
 * ```ts
 * (await resolveBackend('js')).name;   // 'js' (the active backend is unchanged)
 * ```
 */
export async function resolveBackend(spec?: BackendName | TensorBackend): Promise<TensorBackend> {
  if (spec === undefined) return state.active ?? ready();
  if (typeof spec === 'string') {
    if (state.activeName === spec && state.active) return state.active;
    entryOf('resolveBackend', spec);
    return initBackend(spec);
  }
  if (typeof spec === 'object' && spec !== null && typeof spec.name === 'string' && typeof spec.info === 'function') return spec;
  throw typeError('resolveBackend', 'backend', 'a backend name or an initialised backend', spec);
}
