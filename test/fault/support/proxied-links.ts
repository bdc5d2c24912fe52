import type { LinkRoute, StackLink } from '../../support/stack';
import { FaultProxy, Latency, startFaultProxy } from './fault-proxy';
import type { Random } from './random';

/** A fault proxy on every link of a stack that is routed through {@link ProxiedLinks.route}. */
export interface ProxiedLinks {
  /** Pass as a stack's `route`: starts a proxy for the link and hands its URL to the app. */
  route: LinkRoute;
  /** The proxy of one link (throws when the link was not routed). */
  proxy(link: StackLink): FaultProxy;
  /** Sets the latency of every proxied link whose name passes `which`. */
  setLatency(latency: Latency | null, which?: (link: StackLink) => boolean): void;
  /** Faults fired so far, summed over every link, plus connections proxied. */
  stats(): Record<string, number>;
  close(): Promise<void>;
}

/** Proxies for a stack's links, their jitter drawn from `random`. */
export function proxiedLinks(random: Random): ProxiedLinks {
  const proxies = new Map<StackLink, FaultProxy>();
  return {
    route: async (link, url) => {
      const proxy = await startFaultProxy(Number(new URL(url).port), random);
      proxies.set(link, proxy);
      return proxy.url(url);
    },
    proxy: (link) => {
      const proxy = proxies.get(link);
      if (!proxy) throw new Error(`no proxy on the ${link} link`);
      return proxy;
    },
    setLatency: (latency, which = () => true) => {
      for (const [link, proxy] of proxies) if (which(link)) proxy.setLatency(latency);
    },
    stats: () => {
      const totals: Record<string, number> = {};
      for (const proxy of proxies.values()) {
        for (const [kind, count] of Object.entries(proxy.stats)) {
          totals[kind] = (totals[kind] ?? 0) + count;
        }
      }
      return totals;
    },
    close: async () => {
      await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
    },
  };
}
