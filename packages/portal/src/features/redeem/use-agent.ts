import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { agentClient, saveAgentUrl, savedAgentUrl } from './agent-client.js';

/** The local agent the page talks to: its address (remembered), status and containers. */
export const useAgent = () => {
  const queryClient = useQueryClient();
  const [url, setUrlState] = useState(savedAgentUrl);
  const client = useMemo(() => agentClient(url), [url]);
  const status = useQuery({
    queryKey: ['agent', url, 'status'],
    queryFn: client.status,
    retry: false,
    staleTime: 5000,
  });
  const containers = useQuery({
    queryKey: ['agent', url, 'containers'],
    queryFn: client.containers,
    enabled: status.isSuccess,
    retry: false,
  });
  return {
    url,
    client,
    status,
    containers,
    setUrl: (next: string) => {
      saveAgentUrl(next);
      setUrlState(next);
    },
    refresh: () => queryClient.invalidateQueries({ queryKey: ['agent', url] }),
  };
};

export type Agent = ReturnType<typeof useAgent>;
