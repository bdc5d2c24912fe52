import { AddressInfo, createServer, Server, Socket } from 'node:net';
import type { Random } from './random';
import { seededRandom } from './random';

// Toxiproxy does this as a separate Go server; the faults here need only a
// few hooks on each chunk, so they are written on node:net.

/**
 * What happens to a connection once a rule fires on it:
 * - `lose-answer`: the request is forwarded, and when the first bytes of the
 *   answer come back both connections are reset instead: the upstream did
 *   the work, the caller never learns it;
 * - `blackhole`: nothing more is forwarded either way and the connection
 *   stays open: the request never arrives, no answer ever comes;
 * - `drip`: the request is forwarded, the answer travels back one byte
 *   every `dripMs`;
 * - `half-open`: the request is forwarded, then nothing more either way and
 *   nothing is closed, as when the far host vanishes mid-call.
 */
export type FaultKind = 'lose-answer' | 'blackhole' | 'drip' | 'half-open';

/** A fault for the next `times` requests (or new connections) that contain `match`. */
export interface FaultRule {
  kind: FaultKind;
  /** Bytes the client's chunk must contain (e.g. `/tcc/pay/try`); any chunk when omitted. */
  match?: string;
  /** How often it fires; unlimited when omitted. */
  times?: number;
  /** For `drip`: the pause between two answered bytes. */
  dripMs?: number;
}

/** A delay added to every chunk, in both directions, keeping their order. */
export interface Latency {
  ms: number;
  jitterMs: number;
}

/** A TCP proxy on 127.0.0.1 that forwards to one upstream port and injects faults. */
export interface FaultProxy {
  port: number;
  /** `<scheme>://127.0.0.1:<proxy port>` plus whatever follows the upstream's host and port. */
  url(upstreamUrl: string): string;
  /** Adds a rule; rules are tried in the order they were added. */
  add(rule: FaultRule): void;
  /** Drops every rule and the latency; connections already faulted stay as they are. */
  clear(): void;
  setLatency(latency: Latency | null): void;
  /**
   * Cuts the link: new and existing connections forward nothing and stay
   * open (a network partition) until {@link heal}, which resets them.
   */
  cut(): void;
  heal(): void;
  /** How often each fault fired, and how many connections were proxied. */
  readonly stats: Record<FaultKind | 'connections' | 'cut', number>;
  close(): Promise<void>;
}

/** Chunks waiting to be written one way, in the order they must arrive, each with its time. */
interface Outbox {
  queue: { chunk: Buffer; at: number }[];
  /** When the last queued chunk leaves: a later chunk never leaves before it. */
  lastAt: number;
  timer: NodeJS.Timeout | null;
}

interface Link {
  client: Socket;
  upstream: Socket;
  fault: FaultRule | null;
  out: { up: Outbox; down: Outbox };
}

const outbox = (): Outbox => ({ queue: [], lastAt: 0, timer: null });

/** Starts a proxy to `127.0.0.1:upstreamPort`; jitter and nothing else is drawn from `random`. */
export async function startFaultProxy(
  upstreamPort: number,
  random: Random = seededRandom(1),
): Promise<FaultProxy> {
  const links = new Set<Link>();
  let rules: FaultRule[] = [];
  let latency: Latency | null = null;
  let partitioned = false;
  const stats = { 'lose-answer': 0, blackhole: 0, drip: 0, 'half-open': 0, connections: 0, cut: 0 };

  const silent = (link: Link): boolean =>
    partitioned || link.fault?.kind === 'blackhole' || link.fault?.kind === 'half-open';

  // One timer per direction drains the queue in order: separate timers per chunk could fire out
  // of order (Node orders timers by duration list, not by due time) and corrupt the stream.
  const drain = (target: Socket, box: Outbox): void => {
    box.timer = null;
    const now = Date.now();
    while (box.queue.length > 0 && box.queue[0].at <= now) {
      const { chunk } = box.queue.shift() as { chunk: Buffer };
      if (!target.destroyed) target.write(chunk);
    }
    if (box.queue.length > 0) {
      // Unreferenced: a chunk still dripping towards a caller that gave up must not keep the tests alive.
      box.timer = setTimeout(() => drain(target, box), box.queue[0].at - now).unref();
    }
  };

  /** Writes `chunk` after the latency, or `gapMs` after the chunk before it, whichever is later. */
  const send = (link: Link, direction: 'up' | 'down', chunk: Buffer, gapMs = 0): void => {
    const target = direction === 'up' ? link.upstream : link.client;
    const box = link.out[direction];
    const now = Date.now();
    const delay = latency ? latency.ms + random.int(0, latency.jitterMs) : 0;
    const at = Math.max(box.lastAt + gapMs, now + delay);
    box.lastAt = at;
    if (box.queue.length === 0 && at <= now) {
      if (!target.destroyed) target.write(chunk);
      return;
    }
    box.queue.push({ chunk, at });
    if (box.timer === null) {
      box.timer = setTimeout(() => drain(target, box), box.queue[0].at - now).unref();
    }
  };

  const pickRule = (chunk: Buffer): FaultRule | null => {
    const rule = rules.find(
      (candidate) =>
        (candidate.times === undefined || candidate.times > 0) &&
        (candidate.match === undefined || chunk.includes(candidate.match)),
    );
    if (!rule) return null;
    if (rule.times !== undefined) rule.times -= 1;
    stats[rule.kind] += 1;
    return rule;
  };

  const fromClient = (link: Link, chunk: Buffer): void => {
    if (partitioned || silent(link)) return;
    if (!link.fault) link.fault = pickRule(chunk);
    if (link.fault?.kind === 'blackhole') return;
    send(link, 'up', chunk);
  };

  const fromUpstream = (link: Link, chunk: Buffer): void => {
    if (partitioned) return;
    switch (link.fault?.kind) {
      case 'lose-answer':
        link.client.resetAndDestroy();
        link.upstream.destroy();
        return;
      case 'blackhole':
      case 'half-open':
        return;
      case 'drip':
        for (let i = 0; i < chunk.length; i += 1) {
          send(link, 'down', chunk.subarray(i, i + 1), link.fault.dripMs ?? 200);
        }
        return;
      case undefined:
        send(link, 'down', chunk);
        return;
    }
  };

  const server: Server = createServer((client) => {
    stats.connections += 1;
    const upstream = new Socket();
    const link: Link = { client, upstream, fault: null, out: { up: outbox(), down: outbox() } };
    links.add(link);
    if (partitioned) stats.cut += 1;
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => fromClient(link, chunk));
    upstream.on('data', (chunk: Buffer) => fromUpstream(link, chunk));
    // A silent link does not pass the upstream's close on: the caller must find out by its own timeout.
    client.on('close', end);
    upstream.on('close', () => {
      if (!silent(link)) end();
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    upstream.connect(upstreamPort, '127.0.0.1');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url: (upstreamUrl) => {
      const url = new URL(upstreamUrl);
      url.host = `127.0.0.1:${port}`;
      return url.toString().replace(/\/$/, upstreamUrl.endsWith('/') ? '/' : '');
    },
    add: (rule) => {
      rules.push({ ...rule });
    },
    clear: () => {
      rules = [];
      latency = null;
    },
    setLatency: (value) => {
      latency = value;
    },
    cut: () => {
      partitioned = true;
      stats.cut += links.size;
    },
    heal: () => {
      partitioned = false;
      for (const link of links) {
        link.client.resetAndDestroy();
        link.upstream.destroy();
      }
      links.clear();
    },
    stats,
    close: async () => {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
