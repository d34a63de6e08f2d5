import fc from 'fast-check';

/**
 * Shared settings and arbitraries of the fuzz suite. `FUZZ_RUNS` (default 1000) sets the cases
 * per target; `FUZZ_SEED` replays a failure: fast-check prints the seed and the shrunk
 * counterexample, and the seed is fixed so CI runs are reproducible.
 */
export const FUZZ_RUNS = positive(process.env.FUZZ_RUNS, 1000);
export const FUZZ_SEED = Number.parseInt(process.env.FUZZ_SEED ?? '', 10) || 20_240_808;

function positive(value: string | undefined, fallback: number): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** fc.assert parameters for `runs` cases (default FUZZ_RUNS) with the suite's seed. */
export const fuzzParams = (runs = FUZZ_RUNS): fc.Parameters<unknown> => ({ numRuns: runs, seed: FUZZ_SEED, endOnFailure: false });

type Key = string | number;
type Path = Key[];

/** Every path inside `value` (not the root itself), objects and arrays alike. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [Key, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** Values a real payload field may turn into: edge cases of every JSON type, and anything JSON. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      '', ' ', '0', '-1', 'null', '\u0000', '🤖', 'a'.repeat(5000), '9007199254740993', '99999999999999999999', '1e400', '2024-13-45', '+275760-09-13T00:00:00.001Z',
      0, -1, -0, 1.5, 2 ** 53 + 2, 9e15, -9e15, 1e17, 1e308, -1e308, true, false, null, [], {}, [null], { '': null },
    ),
  },
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** `value` as another JSON type: the same data, the wrong shape. */
function retype(value: unknown, pick: number): unknown {
  const options: unknown[] = (() => {
    if (typeof value === 'string') return [Number(value), [value], { value }, value.length > 0 ? value.slice(1) : null, `${value}${value}`];
    if (typeof value === 'number') return [String(value), [value], -value, value * 1e20, Math.floor(value / 2)];
    if (typeof value === 'boolean') return [String(value), Number(value), [value]];
    if (value === null) return ['null', 0, {}, []];
    if (Array.isArray(value)) return [value[0] ?? null, {}, JSON.stringify(value), [...value, ...value], value.length];
    return [JSON.stringify(value), [value], Object.values(value as object), Object.keys(value as object), null];
  })();
  return options[pick % options.length];
}

export interface Edit {
  at: number;
  op: 'drop' | 'replace' | 'retype';
  value: unknown;
  pick: number;
}

export const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({ at: fc.nat(), op: fc.constantFrom('drop', 'replace', 'retype'), value: oddValue, pick: fc.nat() }),
  { minLength: 1, maxLength: 5 },
);

/** A deep copy made in this realm (structuredClone's objects come from another one under jest, which fast-check cannot print). */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

/** A copy of the JSON `value` with each edit applied to one of its paths (chosen anew after every edit). */
export function mutate(value: unknown, list: Edit[]): unknown {
  let root: unknown = clone(value);
  for (const edit of list) {
    const paths = pathsOf(root);
    if (paths.length === 0) {
      root = edit.op === 'retype' ? retype(root, edit.pick) : edit.value;
      continue;
    }
    const path = paths[edit.at % paths.length]!;
    const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], root);
    const key = path.at(-1)!;
    if (edit.op === 'drop') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else {
      parent[key] = edit.op === 'replace' ? clone(edit.value) : retype(parent[key], edit.pick);
    }
  }
  return root;
}

/** A real payload with 1–5 fields dropped, replaced or retyped, so the deep paths are reached. */
export const mutationsOf = (fixtures: readonly unknown[]): fc.Arbitrary<unknown> => {
  if (fixtures.length === 0) throw new Error('no fixtures to mutate');
  return fc.tuple(fc.constantFrom(...fixtures), edits).map(([fixture, list]) => mutate(fixture, list));
};
