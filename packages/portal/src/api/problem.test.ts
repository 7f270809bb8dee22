import { describe, expect, it } from 'vitest';
import {
  ApiError,
  describeProblem,
  errorSentence,
  fieldErrorsOf,
  humanField,
  NETWORK_SENTENCE,
} from './problem.js';

describe('problem details as sentences', () => {
  it('names the field of a validation error in words', () => {
    expect(
      describeProblem(
        {
          code: 'validation_failed',
          detail: 'items.0.quantity: Too small: expected number to be >=1',
          field: 'items.0.quantity',
        },
        400,
      ),
    ).toBe('Item 1 › quantity: Too small: expected number to be >=1.');
  });

  it('turns dotted API paths into readable field names', () => {
    expect(humanField('defaultOptions.featureMap')).toBe('Default options › feature map');
    expect(humanField('sku')).toBe('Sku');
  });

  it('keeps a domain error’s own detail, as a sentence', () => {
    expect(
      describeProblem({ code: 'sku_taken', detail: 'A product with SKU "X" already exists.' }, 409),
    ).toBe('A product with SKU "X" already exists.');
    expect(describeProblem({ code: 'ticket_not_found', detail: 'no such ticket' }, 404)).toBe(
      'No such ticket.',
    );
  });

  it('says what to do for session, permission and server failures', () => {
    expect(describeProblem({ code: 'unauthenticated', detail: 'x' }, 401)).toBe(
      'Your session has expired. Sign in again.',
    );
    expect(describeProblem({ code: 'csrf_token_invalid', detail: 'x' }, 403)).toMatch(/Reload the page/);
    expect(describeProblem({ code: 'internal_error', detail: 'x', requestId: 'r-1' }, 500)).toMatch(
      /went wrong on the server.*\(reference r-1\)\.$/,
    );
  });

  it('falls back to the title or the status when there is no detail', () => {
    expect(describeProblem({ title: 'Conflict happened' }, 409)).toBe('Conflict happened.');
    expect(describeProblem({}, 502)).toBe('The request failed (HTTP 502).');
  });

  it('gives forms one message per field, without the field prefix', () => {
    expect(
      fieldErrorsOf({
        code: 'validation_failed',
        field: 'sku',
        errors: [
          { field: 'sku', message: 'must be printable ASCII without spaces' },
          { field: 'items.0.quantity', message: 'Too small' },
        ],
      }),
    ).toEqual({ sku: 'Must be printable ASCII without spaces.', 'items.0.quantity': 'Too small.' });
    expect(
      fieldErrorsOf({ code: 'sku_taken', field: 'sku', detail: 'A product with SKU "X" already exists.' }),
    ).toEqual({
      sku: 'A product with SKU "X" already exists.',
    });
  });

  it('explains a network failure and any other thrown value', () => {
    expect(errorSentence(new TypeError('Failed to fetch'))).toBe(NETWORK_SENTENCE);
    expect(
      errorSentence(new ApiError({ code: 'forbidden', detail: 'Only ISV admins may do this.' }, 403)),
    ).toBe('Only ISV admins may do this.');
    expect(errorSentence('boom')).toBe('Something went wrong. Try again.');
  });
});
