/**
 * Reads of one key at a time, asked for at the same moment by concurrent work (the deliveries of a notification
 * batch), made as one query for all their keys. Nothing is kept afterwards: a later read asks the database again.
 */
export function batchedRead<K, V>(readMany: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  let batch: { keys: Set<K>; values: Promise<Map<K, V>> } | undefined;
  return (key) => {
    if (!batch) {
      const keys = new Set<K>();
      const values = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        batch = undefined;
        return readMany([...keys]);
      });
      batch = { keys, values };
    }
    batch.keys.add(key);
    return batch.values.then((values) => values.get(key));
  };
}

/** A query's rows by their id, for batchedRead. */
export function byId<T extends { id: string }>(rows: T[]): Map<string, T> {
  return new Map(rows.map((row) => [row.id, row]));
}
