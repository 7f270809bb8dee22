// Memoization for the life of one transaction: values that cannot change under it (settings, a group's
// path, the webhook subscriptions) are read once per transaction instead of once per use. Keyed by the
// transaction object, so nothing outlives it and another instance's change is seen by the next transaction.

import type { Executor } from './transaction.js';

export const perTransaction = <V>(load: (ex: Executor, key: string) => Promise<V>) => {
  const memo = new WeakMap<Executor, Map<string, Promise<V>>>();
  return (ex: Executor, key = ''): Promise<V> => {
    let values = memo.get(ex);
    if (!values) {
      values = new Map();
      memo.set(ex, values);
    }
    let value = values.get(key);
    if (!value) {
      value = load(ex, key);
      values.set(key, value);
    }
    return value;
  };
};
