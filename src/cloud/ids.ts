// Instance ids as the API pages document them: 36 letters and digits, the last four a type
// suffix (`in14` GaussDB, `in07` TaurusDB, `in17` HTAP). Ids go into URL paths, so an id from the
// configuration or from an answer is checked against this before it is used; one that does not
// match (`..`, `a/b`, an empty string) is refused, counted and logged.

export const INSTANCE_ID = /^[A-Za-z0-9]{32}in[0-9]{2}$/;

export const INSTANCE_ID_FORMAT = '36 letters and digits ending in a type suffix such as in14 (GaussDB), in07 (TaurusDB) or in17 (HTAP)';

export function isInstanceId(id: unknown): id is string {
  return typeof id === 'string' && INSTANCE_ID.test(id);
}

/** Why an id from an answer was left out: not an id, listed twice, or claimed by another instance. */
export type IdRefusal = 'invalid' | 'duplicate' | 'conflict';

/** Told of each id an answer carried that is left out. */
export type IdRefused = (reason: IdRefusal, id: string, details: Record<string, string>) => void;

/** A log-safe rendering of an id that may be anything: quoted, cut to 64 characters. */
export function shownId(id: string): string {
  return JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}...` : id);
}
