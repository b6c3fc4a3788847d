/** The state of stateful sequences (id → state tensors), calls of one sequence in order, idle ones swept. */
import { InferError } from '../errors.ts';
import type { BatchAxes } from '../runtime/batch-axes.ts';
import { allocate, elementCount, type Tensor } from '../runtime/tensor.ts';
import type { TensorSpec } from '../runtime/tensor-spec.ts';

/** Where a call stands in its sequence. */
export interface SequenceStep {
  id: string;
  /** Whose sequence it is (a principal's id): one id of two owners is two sequences, neither seeing the other's state. */
  owner?: string | undefined;
  /** Starts the sequence (again): its state is zeroed. */
  start?: boolean | null | undefined;
  /** Ends it after this call: its state is freed. */
  end?: boolean | null | undefined;
}

export interface SequenceStoreOptions {
  label: string;
  /** The state inputs, in the model's spec, with their batch dims. */
  stateInputs: readonly TensorSpec[];
  batchAxes: BatchAxes;
  /** A sequence not called for this long is forgotten. */
  idleTimeoutMs: number;
  /** Sequences held at once; past it a start gets OVERLOADED. */
  maxSequences: number;
}

export interface SequenceStore {
  /**
   * Runs one call of a sequence with its state. Calls of one sequence run one after another, in
   * the order they came; `call` gets copies of the state and returns the state to keep.
   */
  step<T>(step: SequenceStep, call: (state: Record<string, Tensor>) => Promise<{ result: T; state: Record<string, Tensor> }>): Promise<T>;
  /** Forgets a sequence at once (its client went away). */
  drop(id: string): void;
  readonly size: number;
  dispose(): void;
}

interface Sequence {
  state: Record<string, Tensor>;
  lastUsed: number;
  /** The call in flight, so that the next one waits for the state it leaves. */
  tail: Promise<unknown>;
}

export function createSequenceStore({ label, stateInputs, batchAxes, idleTimeoutMs, maxSequences }: SequenceStoreOptions): SequenceStore {
  const sequences = new Map<string, Sequence>();
  const sweeper = setInterval(
    () => {
      const oldest = performance.now() - idleTimeoutMs;
      for (const [id, sequence] of sequences) if (sequence.lastUsed < oldest) sequences.delete(id);
    },
    Math.max(10, idleTimeoutMs / 2),
  );
  sweeper.unref();

  function zeroState(): Record<string, Tensor> {
    return Object.fromEntries(
      stateInputs.map((spec) => {
        const shape = spec.shape.map((dim, index) => {
          if (dim !== -1) return dim;
          if (index === batchAxes[spec.name]) return 1;
          throw new InferError('INTERNAL', `${label}: state input "${spec.name}" has a dynamic dim ${index} that cannot be zero-filled`);
        });
        return [spec.name, { dataType: spec.dataType, shape, data: allocate(spec.dataType, elementCount(shape)) }];
      }),
    );
  }

  return {
    async step({ id, owner, start, end }, call) {
      const key = owner === undefined ? id : `${owner}\u0000${id}`;
      let sequence = sequences.get(key);
      if (!sequence && !start) {
        // Never started anew in silence: with several replicas, a call that reached a replica other
        // than the one holding the state would go on from zeros and answer wrong without a word.
        throw new InferError(
          'INVALID_ARGUMENT',
          `sequence "${id}" of ${label} is not running on this server: start it with start: true ` +
            `(it may have ended or idled out after ${idleTimeoutMs} ms; behind a load balancer, every call of a sequence ` +
            'must reach the replica that started it: see "Several replicas" in the README)',
          { details: { sequence: id } },
        );
      }
      if (!sequence) {
        if (sequences.size >= maxSequences) {
          throw new InferError(
            'OVERLOADED',
            `${label} holds ${sequences.size} sequences (maxSequences ${maxSequences}); end some or retry later`,
          );
        }
        sequence = { state: zeroState(), lastUsed: performance.now(), tail: Promise.resolve() };
        sequences.set(key, sequence);
      }
      const current = sequence;
      const run = current.tail.then(async () => {
        if (start) current.state = zeroState();
        current.lastUsed = performance.now();
        // Copies: the run transfers its inputs to a worker, and a failed run must leave the state whole.
        const copies = Object.fromEntries(
          Object.entries(current.state).map(([name, tensor]) => [name, { ...tensor, data: tensor.data.slice() }]),
        );
        const { result, state } = await call(copies as Record<string, Tensor>);
        current.state = state;
        current.lastUsed = performance.now();
        if (end) sequences.delete(key);
        return result;
      });
      current.tail = run.catch(() => {});
      return run;
    },
    drop(id) {
      sequences.delete(id);
    },
    get size() {
      return sequences.size;
    },
    dispose() {
      clearInterval(sweeper);
      sequences.clear();
    },
  };
}
