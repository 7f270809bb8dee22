// A path-based view of a Mantine form, so shared editors (license options, policies) can work inside any
// form without knowing its value type. The one cast to a string-path setter lives here.

import type { UseFormReturnType } from '@mantine/form';
import type { ReactNode } from 'react';

export interface FormAccess {
  get(path: string): unknown;
  set(path: string, value: unknown): void;
  error(path: string): ReactNode;
}

export const getPath = (values: unknown, path: string): unknown => {
  let node: unknown = values;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
};

export const formAccess = <V>(form: UseFormReturnType<V>): FormAccess => ({
  get: (path) => getPath(form.getValues(), path),
  // Mantine types setFieldValue by the form's own paths; editors address fields by runtime paths.
  set: (path, value) =>
    (form.setFieldValue as unknown as (path: string, value: unknown) => void)(path, value),
  error: (path) => form.errors[path],
});
