// `touchstone run --shard i/n`: which modules a shard runs, and (for `touchstone merge`) how the
// shards' module lists interleave back into the unsharded order. vitest's own --shard splits by test
// FILE, and a run is one file (suites/plan.suite.ts), so the harness slices the module ids itself.
// Round-robin over the selection in catalog order: shard i takes the positions k with k % n == i-1,
// so the long modules, which cluster in suites, spread over the shards. A matrix plan's selection is
// its units, module × combination (harness/plan/matrix.ts), combination by combination: the slice is
// as deterministic, and a shard starts only the providers its combinations need.

export interface Shard {
  /** 1-based. */
  index: number;
  total: number;
}

/** "i/n" -> Shard, or why not (a line naming the option and the rule). */
export function parseShard(value: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) return `--shard ${value}: expected i/n with whole numbers, e.g. --shard 2/3`;
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (total < 1) return `--shard ${value}: the shard count n must be at least 1`;
  if (index < 1 || index > total) return `--shard ${value}: the shard index i must be from 1 to n (${total})`;
  return { index, total };
}

/** The items shard i of n takes from a list: the positions k with k % n == i-1, in order. */
export function shardSlice<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, k) => k % shard.total === shard.index - 1);
}

/** How many of `selected` items shard i of n takes. */
export function shardSize(selected: number, shard: Shard): number {
  return selected >= shard.index ? Math.floor((selected - shard.index) / shard.total) + 1 : 0;
}

/** The inverse of shardSlice: the shards' lists (index 0 = shard 1) back in the unsharded order. */
export function unshard<T>(slices: readonly (readonly T[])[]): T[] {
  const n = slices.length;
  const total = slices.reduce((sum, s) => sum + s.length, 0);
  const out: T[] = [];
  for (let k = 0; k < total; k++) out.push(slices[k % n]![Math.floor(k / n)]!);
  return out;
}
