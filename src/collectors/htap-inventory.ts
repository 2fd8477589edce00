// The HTAP instances attached to each TaurusDB instance, as of the latest `/htap` answer. The
// htap_instances collector refreshes it on its schedule; the htap_processes collector reads it, so
// the (slow-changing) inventory costs one `/htap` call per TaurusDB instance per htap_instances
// poll instead of one per session poll.
import type { HtapInstanceList } from '../cloud/taurusdb.js';
import { isInstanceId, type IdRefused } from '../cloud/ids.js';
import type { TaurusDbTarget } from './targets.js';

export class HtapInventory {
  /** keyed by TaurusDB instance id */
  private readonly known = new Map<string, HtapInstanceList>();
  private readonly inFlight = new Map<string, Promise<HtapInstanceList>>();
  /** HTAP instance id → the TaurusDB instance it was first listed under: one owner each */
  private readonly owners = new Map<string, string>();

  constructor(private readonly refused: IdRefused = () => undefined) {}

  /**
   * Fetches `/htap` and remembers the answer whole, so an HTAP instance gone from it is gone from
   * the inventory. A failed fetch keeps the previous answer: a transient `/htap` error should not
   * stop the session polls of instances that still exist (they report their own health).
   */
  refresh(target: TaurusDbTarget, signal: AbortSignal): Promise<HtapInstanceList> {
    return this.fetch(target, signal);
  }

  /** The remembered list; fetched once if there is none yet (e.g. the first poll after start-up). */
  async get(target: TaurusDbTarget, signal: AbortSignal): Promise<HtapInstanceList> {
    return this.known.get(target.instance.id) ?? this.fetch(target, signal);
  }

  /** Forgets TaurusDB instances that are no longer targets. */
  retain(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const id of this.known.keys()) if (!keep.has(id)) this.known.delete(id);
    for (const [htap, owner] of this.owners) if (!keep.has(owner)) this.owners.delete(htap);
  }

  /**
   * The HTAP instances of `taurusId`'s answer that it may have: valid ids, once each, and not
   * listed under another TaurusDB instance first (one series per id; first seen wins).
   */
  private admit(taurusId: string, answer: HtapInstanceList): HtapInstanceList['instances'] {
    const seen = new Set<string>();
    const admitted = answer.instances.filter((htap) => {
      const owner = this.owners.get(htap.id);
      if (!isInstanceId(htap.id)) this.refused('invalid', htap.id, { taurusdb_instance_id: taurusId });
      else if (seen.has(htap.id)) this.refused('duplicate', htap.id, { taurusdb_instance_id: taurusId });
      else if (owner !== undefined && owner !== taurusId) this.refused('conflict', htap.id, { taurusdb_instance_id: taurusId, listed_under: owner });
      else return seen.add(htap.id);
      return false;
    });
    // an HTAP instance this TaurusDB instance no longer lists is free for another to claim
    for (const [htap, owner] of this.owners) if (owner === taurusId && !seen.has(htap)) this.owners.delete(htap);
    for (const htap of seen) this.owners.set(htap, taurusId);
    return admitted;
  }

  /**
   * Single flight per TaurusDB instance: a caller arriving while a fetch runs shares it (at
   * start-up both collectors ask at once). The shared fetch runs under the first caller's signal.
   */
  private fetch(target: TaurusDbTarget, signal: AbortSignal): Promise<HtapInstanceList> {
    const id = target.instance.id;
    const running = this.inFlight.get(id);
    if (running) return running;
    const fetching = target.api.htapInstances(id, signal)
      .then((answer) => {
        const list = { ...answer, instances: this.admit(id, answer) };
        this.known.set(id, list);
        return list;
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, fetching);
    return fetching;
  }
}
