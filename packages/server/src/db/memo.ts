// Memoization for the life of one transaction: values that cannot change under it (settings, a group's
// path, the webhook subscriptions) are read once per transaction instead of once per use. Keyed by the
// transaction object, so nothing outlives it and another instance's change is seen by the next transaction.

import type { Executor } from './transaction.js';

export interface PerTransaction<V> {
  (ex: Executor, key?: string): Promise<V>;
  /** Records a value another query of this transaction already read, so it is not read again. */
  prime(ex: Executor, key: string, value: V): void;
}

export const perTransaction = <V>(load: (ex: Executor, key: string) => Promise<V>): PerTransaction<V> => {
  const memo = new WeakMap<Executor, Map<string, Promise<V>>>();
  const valuesOf = (ex: Executor) => {
    let values = memo.get(ex);
    if (!values) {
      values = new Map();
      memo.set(ex, values);
    }
    return values;
  };
  const read = (ex: Executor, key = ''): Promise<V> => {
    const values = valuesOf(ex);
    let value = values.get(key);
    if (!value) {
      value = load(ex, key);
      values.set(key, value);
    }
    return value;
  };
  return Object.assign(read, {
    prime: (ex: Executor, key: string, value: V) => {
      valuesOf(ex).set(key, Promise.resolve(value));
    },
  });
};
