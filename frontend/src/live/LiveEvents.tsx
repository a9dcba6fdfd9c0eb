import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { streamUrl } from '../api/client';
import { applyJob, applyNodeEvent, keys } from '../api/queries';
import type { BridgeConfig, Job, NodeInfo, RemoteNodeList } from '../api/types';
import { openStream, type StreamState } from './stream';

const LiveState = createContext<StreamState>('connecting');

/** Whether the master's event stream is delivering, for the header's indicator. */
export const useLiveState = (): StreamState => useContext(LiveState);

/**
 * Follows `GET /api/events` and writes what it says into the query cache, so every view stays
 * current without polling. Each connection, the first too, refetches everything once: events sent
 * before the stream was (re)opened are gone, the snapshot is not.
 */
export function LiveEvents({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<StreamState>('connecting');

  useEffect(
    () =>
      openStream({
        url: () => streamUrl('/events'),
        onState: (next) => {
          setState(next);
          if (next === 'live') void client.invalidateQueries();
          // The header then says whether the master itself answers (the stream renews its own session).
          else void client.invalidateQueries({ queryKey: keys.health });
        },
        listeners: {
          node: (data) => {
            const { event, node } = data as { event: 'connected' | 'updated' | 'disconnected'; node: NodeInfo };
            applyNodeEvent(client, event, node);
            // Health says whether a node is online; an in-flight fetch is reused, so a connect storm costs one or two.
            void client.invalidateQueries({ queryKey: keys.health }, { cancelRefetch: false });
          },
          job: (data) => applyJob(client, data as Job),
          config: (data) => client.setQueryData<BridgeConfig>(keys.config, data as BridgeConfig),
          remote_nodes: (data) => client.setQueryData<RemoteNodeList>(keys.remoteNodes, data as RemoteNodeList),
        },
      }),
    [client],
  );

  return <LiveState.Provider value={state}>{children}</LiveState.Provider>;
}
