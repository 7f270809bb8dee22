import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call, setCsrfToken } from '../../../api/client.js';
import { ApiError } from '../../../api/problem.js';
import type { components } from '../../../api/schema.js';

export type Me = components['schemas']['Me'];

/** Who is signed in, or null (401) when nobody is. Also hands the session's CSRF token to the client. */
export const getMe = async (): Promise<Me | null> => {
  try {
    const me = await call(api.GET('/api/v1/me'));
    setCsrfToken(me.csrfToken);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
};

export const meQueryOptions = () =>
  queryOptions({ queryKey: ['me'], queryFn: getMe, staleTime: 5 * 60_000, retry: false });

export const useMe = () => useQuery(meQueryOptions());
