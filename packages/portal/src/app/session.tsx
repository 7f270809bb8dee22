// The signed-in user for the whole app: GET /me once, its roles, and what happens when the session ends
// under the user's feet (any 401) — back to sign-in with "your session expired", returning here afterwards.

import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useMemo } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { setCsrfToken, setSessionExpiredHandler } from '../api/client.js';
import { ErrorNotice, PageLoader } from '../components/states.js';
import { type Me, meQueryOptions, useMe } from '../features/auth/api/get-me.js';
import { type Roles, rolesOf } from './roles.js';

interface Session {
  me: Me;
  roles: Roles;
}

const SessionContext = createContext<Session | null>(null);

export const useSession = (): Session => {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
};

/** Renders its children for a signed-in user; sends everyone else to sign-in. */
export const RequireSession = ({ children }: { children: ReactNode }) => {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signedIn = Boolean(me.data);

  useEffect(() => {
    if (!signedIn) return;
    setSessionExpiredHandler(() => {
      setSessionExpiredHandler(null);
      setCsrfToken(null);
      queryClient.removeQueries();
      queryClient.setQueryData(meQueryOptions().queryKey, null);
      const next = `${window.location.pathname}${window.location.search}`;
      navigate(`/sign-in?expired=1&next=${encodeURIComponent(next)}`, { replace: true });
    });
    return () => setSessionExpiredHandler(null);
  }, [signedIn, navigate, queryClient]);

  const session = useMemo(() => (me.data ? { me: me.data, roles: rolesOf(me.data) } : null), [me.data]);

  if (me.isPending) return <PageLoader />;
  if (me.isError)
    return <ErrorNotice error={me.error} onRetry={() => void me.refetch()} title="Central did not answer" />;
  if (!session) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
};
