// Connects API failures to Mantine forms: validation problems land next to the field they name (form field
// names follow the API's dotted paths), everything else becomes the form's one error sentence.

import { notifications } from '@mantine/notifications';
import type { ReactNode } from 'react';
import { ApiError, errorSentence } from '../api/problem.js';

interface FormLike {
  setErrors(errors: Record<string, ReactNode>): void;
  getValues(): unknown;
}

const hasPath = (values: unknown, path: string): boolean => {
  let node: unknown = values;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
};

/**
 * Puts each field error onto the form field of the same path (or `fieldMap[path]`); returns the sentence to
 * show above the form, or null when every error found its field.
 */
export const applyProblem = (
  form: FormLike,
  error: unknown,
  fieldMap: Record<string, string> = {},
): string | null => {
  if (!(error instanceof ApiError)) return errorSentence(error);
  const placed: Record<string, string> = {};
  let unplaced = false;
  for (const [apiField, message] of Object.entries(error.fieldErrors)) {
    const formField = fieldMap[apiField] ?? apiField;
    if (hasPath(form.getValues(), formField)) placed[formField] = message;
    else unplaced = true;
  }
  if (Object.keys(placed).length > 0) form.setErrors(placed);
  return Object.keys(placed).length > 0 && !unplaced ? null : error.message;
};

export const notifySuccess = (message: string): void => {
  notifications.show({ color: 'green', message, autoClose: 4000 });
};

export const notifyError = (error: unknown): void => {
  notifications.show({
    color: 'red',
    title: 'That did not work',
    message: errorSentence(error),
    autoClose: 8000,
  });
};
