import type { Checkpoint, CheckpointStore } from '../contracts';

/**
 * The saved checkpoints at one moment, indexed: by fingerprint (to resume a file) and by name and
 * relative path (to say that an unfinished upload of the same name holds another file).
 */
export interface CheckpointIndex {
  readonly all: readonly Checkpoint[];
  byFingerprint(fingerprint: string): readonly Checkpoint[];
  byName(name: string, relativePath: string | undefined): readonly Checkpoint[];
}

/**
 * Reads the checkpoints for many uploads at once: every request made before the next task (a
 * selection of files is added in slices of a few milliseconds) is answered by one `list()` of the
 * store, which for IndexedDB is one transaction, and one index built from it. A request made after
 * that read started waits for the next one, so no answer is older than the request.
 */
export interface CheckpointLookup {
  read(): Promise<CheckpointIndex>;
}

const lookups = new WeakMap<CheckpointStore, CheckpointLookup>();

/** The lookup shared by everything using `store`. */
export function checkpointLookupOf(store: CheckpointStore): CheckpointLookup {
  let lookup = lookups.get(store);
  if (!lookup) lookups.set(store, (lookup = createCheckpointLookup(store)));
  return lookup;
}

export function createCheckpointLookup(store: CheckpointStore): CheckpointLookup {
  let next: Promise<CheckpointIndex> | null = null;
  return {
    read() {
      next ??= new Promise<void>((resolve) => setTimeout(resolve, 0)).then(async () => {
        next = null;
        return indexCheckpoints(await store.list().catch((): Checkpoint[] => []));
      });
      return next;
    },
  };
}

export function indexCheckpoints(all: readonly Checkpoint[]): CheckpointIndex {
  const fingerprints = new Map<string, Checkpoint[]>();
  const names = new Map<string, Checkpoint[]>();
  for (const checkpoint of all) {
    push(fingerprints, checkpoint.fingerprint, checkpoint);
    push(names, nameKey(checkpoint.name, checkpoint.relativePath), checkpoint);
  }
  return {
    all,
    byFingerprint: (fingerprint) => fingerprints.get(fingerprint) ?? [],
    byName: (name, relativePath) => names.get(nameKey(name, relativePath)) ?? [],
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function nameKey(name: string, relativePath: string | undefined): string {
  return `${relativePath ?? ''}\u0000${name}`;
}
