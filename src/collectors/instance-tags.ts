// Label names for instance tags (`huaweicloud_<service>_instance_tags`), one per key of
// `tags_allowlist`. They follow
// kube-state-metrics' rule for --metric-labels-allowlist (its `label_` prefix is `tag_` here):
// characters outside [a-zA-Z0-9_] become `_`, camelCase becomes snake_case, and keys that end
// up with one name get `_conflict1`, `_conflict2`... in the keys' sorted order. Unlike there, the
// names come from the allowlist rather than from each instance's tags, so every series of the
// family has the same labels (empty where an instance lacks the tag).
export interface TagLabel {
  /** the tag key as the cloud sends it */
  key: string;
  /** its label name */
  label: string;
}

const INVALID_LABEL_CHARACTER = /[^a-zA-Z0-9_]/g;
const CAMEL_HUMP = /([a-z0-9])([A-Z])/g;

/** The label names of the allow-listed tag keys, sorted by key. */
export function tagLabels(allowlist: readonly string[]): TagLabel[] {
  const labels: TagLabel[] = [];
  const conflicts = new Map<string, { count: number; first: TagLabel }>();
  for (const key of [...new Set(allowlist)].sort()) {
    const base = `tag_${key.replace(INVALID_LABEL_CHARACTER, '_').replace(CAMEL_HUMP, '$1_$2').toLowerCase()}`;
    const tag = { key, label: base };
    const conflict = conflicts.get(base);
    if (conflict) {
      if (conflict.count === 1) conflict.first.label = `${base}_conflict1`;
      conflict.count += 1;
      tag.label = `${base}_conflict${conflict.count}`;
    } else {
      conflicts.set(base, { count: 1, first: tag });
    }
    labels.push(tag);
  }
  return labels;
}
