/**
 * Registry behaviour (tfjs-core engine semantics) and the 'onnx' device resolution on this machine.
 * Each vitest file runs in its own process, so the global registry starts with only 'js' and 'onnx' here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CudaUnavailableError,
  createOnnxBackend,
  JsBackend,
  getBackend,
  initBackend,
  listBackends,
  nearest,
  ready,
  registerBackend,
  removeBackend,
  resolveBackend,
  setBackend,
  type TensorBackend,
} from '../../src/backend/index.js';
import { probeCuda } from '../../src/backend/onnx/devices.js';
import { BackendInitError, RegistryError } from '../../src/errors.js';
import { env, type LogSink } from '../../src/env.js';

function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const previous: LogSink = env.sink;
  env.sink = (level, message) => lines.push(`${level}: ${message}`);
  return { lines, restore: () => (env.sink = previous) };
}

const fake = (name: string) => new JsBackend(name);
const failing = (why: string) => () => {
  throw new Error(why);
};

const added: string[] = [];
function register(name: string, factory: () => TensorBackend | Promise<TensorBackend>, priority: number): void {
  registerBackend(name, factory, { priority });
  added.push(name);
}

afterEach(async () => {
  for (const name of added.splice(0)) await removeBackend(name);
});

describe('registerBackend / ready', () => {
  it('ready() picks the highest priority that initialises, logs each failure and moves on', async () => {
    register('r-low', () => fake('r-low'), 50);
    register('r-high-broken', failing('no device here'), 60);
    const logs = captureLogs();
    try {
      const b = await ready();
      expect(b.name).toBe('r-low');
      expect(getBackend()).toBe(b);
      expect(logs.lines.some((l) => l.startsWith('warning:') && l.includes("'r-high-broken'") && l.includes('no device here'))).toBe(true);
      expect(listBackends().find((e) => e.name === 'r-high-broken')?.failed).toBe(true);
    } finally {
      logs.restore();
    }
  });

  it('concurrent ready() calls share one initialisation', async () => {
    let calls = 0;
    register('r-slow', async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return fake('r-slow');
    }, 70);
    const [a, b, c] = await Promise.all([ready(), ready(), ready()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(a.name).toBe('r-slow');
  });

  it('re-registering the same factory is a no-op; a different factory under a taken name throws RegistryError', () => {
    const factory = () => fake('r-dup');
    register('r-dup', factory, 1);
    expect(() => registerBackend('r-dup', factory, { priority: 1 })).not.toThrow();
    expect(() => registerBackend('r-dup', () => fake('x'))).toThrow(RegistryError);
    expect(() => registerBackend('r-dup', () => fake('x'))).toThrow(/'r-dup' is already registered/);
  });

  it('rejects malformed registrations with TypeError naming the argument', () => {
    expect(() => registerBackend('', () => fake('x'))).toThrow(TypeError);
    expect(() => registerBackend('', () => fake('x'))).toThrow(/'name'/);
    expect(() => registerBackend('r-bad', 42 as unknown as () => TensorBackend)).toThrow(/'factory'/);
    expect(() => registerBackend('r-bad', () => fake('x'), { priority: NaN })).toThrow(/'options.priority'/);
  });

  it('throws BackendInitError listing every failure as "[name] cause" when nothing initialises; never picks a negative priority', async () => {
    const saved = listBackends().filter((b) => b.priority >= 0);
    // make every registered backend unusable for ready(): remove them, add two broken ones
    const builtins = saved.map((b) => b.name);
    for (const name of builtins) await removeBackend(name);
    register('r-broken-1', failing('first reason'), 5);
    register('r-broken-2', failing('second reason'), 4);
    register('r-beta', () => fake('r-beta'), -1); // works, but is never an automatic choice
    try {
      const err = await ready().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendInitError);
      expect((err as Error).message).toMatch(/no available backend found\. ERR: \[r-broken-1\] .*first reason.*, \[r-broken-2\] .*second reason/);
      expect((err as Error).message).not.toMatch(/r-beta/);
      expect(Array.isArray((err as Error & { cause: unknown }).cause)).toBe(true);
      expect((await setBackend('r-beta')).name).toBe('r-beta'); // explicitly, it can be used
    } finally {
      registerBackend('js', () => new JsBackend(), { priority: 1 });
      const { createOnnxBackend } = await import('../../src/backend/onnx/index.js');
      registerBackend('onnx', createOnnxBackend, { priority: 2 });
    }
  });
});

describe('setBackend / getBackend / resolveBackend / removeBackend', () => {
  it('setBackend is strict: an unknown name throws RegistryError listing the registered names', async () => {
    await expect(setBackend('onx')).rejects.toThrow(RegistryError);
    await expect(setBackend('onx')).rejects.toThrow(/unknown backend 'onx'\. Registered: .*js/);
  });

  it('a failing setBackend throws BackendInitError and leaves the previous backend active', async () => {
    const js = await setBackend('js');
    register('r-fail', failing('driver missing'), 3);
    const err = await setBackend('r-fail').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendInitError);
    expect((err as Error).message).toMatch(/r-fail.*driver missing/);
    expect(getBackend()).toBe(js);
  });

  it('a failed initialisation is not cached: a later call retries', async () => {
    let attempts = 0;
    register('r-flaky', () => {
      attempts++;
      if (attempts === 1) throw new Error('transient');
      return fake('r-flaky');
    }, 3);
    await expect(initBackend('r-flaky')).rejects.toThrow(/transient/);
    await expect(initBackend('r-flaky')).resolves.toMatchObject({ name: 'r-flaky' });
    expect(attempts).toBe(2);
  });

  it('per-call {backend} pins a backend by name or instance without changing the active one', async () => {
    const active = await setBackend('js');
    register('r-pinned', () => fake('r-pinned'), 3);
    expect((await resolveBackend('r-pinned')).name).toBe('r-pinned');
    const inst = await initBackend('r-pinned');
    expect(await resolveBackend(inst)).toBe(inst);
    expect(getBackend()).toBe(active);
    await expect(resolveBackend('nope')).rejects.toThrow(RegistryError);
    await expect(resolveBackend(42 as unknown as string)).rejects.toThrow(TypeError);
  });

  it('removeBackend disposes initialised instances, deactivates the backend and returns false for unknown names', async () => {
    let disposed = 0;
    class Counting extends JsBackend {
      override async dispose(): Promise<void> {
        disposed++;
      }
    }
    registerBackend('r-remove', () => new Counting('r-remove'), { priority: 3 });
    await setBackend('r-remove');
    expect(await removeBackend('r-remove')).toBe(true);
    expect(disposed).toBe(1);
    expect(listBackends().some((b) => b.name === 'r-remove')).toBe(false);
    expect(await removeBackend('r-remove')).toBe(false);
    expect((await ready()).name).not.toBe('r-remove');
  });
});

describe("'onnx' devices", () => {
  it("'cpu' runs on the CPU execution provider and says so", async () => {
    const b = await initBackend('onnx', { device: 'cpu' });
    expect(b.info()).toMatchObject({ name: 'onnx', device: 'cpu', executionProviders: ['cpu'] });
    expect(b.info().version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('malformed options throw TypeError/RangeError naming the option', async () => {
    await expect(initBackend('onnx', { device: 'gpu' })).rejects.toThrow(RangeError);
    await expect(initBackend('onnx', { device: 'gpu' })).rejects.toThrow(/'options.device' must be one of 'auto', 'cpu', 'cuda'/);
    await expect(initBackend('onnx', { deviceId: -1 })).rejects.toThrow(/'options.deviceId'/);
    await expect(initBackend('onnx', { intraOpNumThreads: 0 })).rejects.toThrow(/'options.intraOpNumThreads'/);
    await expect(initBackend('onnx', { useTf32: 'yes' })).rejects.toThrow(TypeError);
  });

  it("'auto' falls back to the CPU with the reason reported by info() and logged at info level (not a warning) when CUDA is absent", async () => {
    const ort = await import('onnxruntime-node');
    const cudaReason = await probeCuda(ort, 0);
    const logs = captureLogs();
    const level = env.logLevel;
    try {
      // at the default level ('warning') a CPU-only machine prints nothing
      const quiet = await createOnnxBackend({ device: 'auto', deviceId: 0 });
      await quiet.dispose();
      expect(logs.lines).toEqual([]);
      env.logLevel = 'info';
      const b = await initBackend('onnx', { device: 'auto', deviceId: 0 });
      if (cudaReason === null) {
        expect(b.info().device).toBe('cuda');
      } else {
        expect(b.info().device).toBe('cpu');
        expect(b.info().executionProviders).toEqual(['cpu']);
        expect(b.info().fallbackReason).toBe(cudaReason);
        expect(logs.lines.some((l) => l.startsWith('info:') && l.includes(cudaReason))).toBe(true);
        expect(logs.lines.some((l) => l.startsWith('warning:'))).toBe(false);
        // and it computes
        const r = await nearest([[0, 0]], [[1, 1]], { backend: b });
        expect(r.distance[0]).toBe(2);
      }
    } finally {
      env.logLevel = level;
      logs.restore();
    }
  });

  it("'cuda' requested explicitly without a CUDA execution provider throws CudaUnavailableError with install instructions", async () => {
    const ort = await import('onnxruntime-node');
    const cudaReason = await probeCuda(ort, 0);
    if (cudaReason === null) return; // a GPU machine: test/gpu/run_gpu_check.ts covers this case
    const err = await initBackend('onnx', { device: 'cuda' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CudaUnavailableError);
    expect(err).toBeInstanceOf(BackendInitError);
    expect((err as CudaUnavailableError).name).toBe('CudaUnavailableError');
    expect((err as CudaUnavailableError).reason).toBe(cudaReason);
    expect((err as Error).message).toMatch(/CUDA execution provider not available/);
    expect((err as Error).message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install.js/);
    expect((err as Error).message).toMatch(/linux x64 only/);
    // strict: setBackend does not fall back either
    await expect(setBackend('onnx', { device: 'cuda' })).rejects.toBeInstanceOf(CudaUnavailableError);
  });
});
