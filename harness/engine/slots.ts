// How many modules of a run are busy at once (`--workers`). A module that waits on the provider (a
// TTL to pass, a polling interval) uses no CPU, so it gives its slot back for the rest of its run:
// the waits of many modules overlap while at most `workers` modules drive the browser or the
// back channel between their waits. What a module does after a wait (one token request, a poll)
// is short, and it is not delayed behind other modules, so the provider's TTLs still hold.

export class Slots {
  private free: number;
  private readonly queue: (() => void)[] = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  /** Resolves with a release function (call it once) when a slot is free; first come, first served. */
  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.queue.push(r));
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    };
  }
}
