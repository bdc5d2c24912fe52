import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function, or of one package, in a CPU profile. */
export interface ProfileEntry {
  name: string;
  selfMs: number;
  percent: number;
}

/** The newest `.cpuprofile` in `dir`, or null. */
export function newestProfile(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0] ?? null;
}

/** Where a script comes from: a package, node's internals, or the app's own code. */
function origin(url: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const app = /\/(apps\/[^/]+|libs\/[^/]+)\//.exec(url.replace(/^.*\/dist\/apps\/[^/]+\//, '/'));
  return app ? app[1] : url;
}

/**
 * Self time per function and per origin (package, node internals, app
 * code) of a V8 CPU profile, largest first; idle and GC are kept, since
 * on a saturated box their share says as much as any function's.
 */
export function summariseProfile(
  file: string,
  limit: number,
): { total: number; functions: ProfileEntry[]; origins: ProfileEntry[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const functions = new Map<string, number>();
  const origins = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += us;
    const where = frame.url
      ? ` ${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}`
      : '';
    const fn = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const from = origin(frame.url);
    origins.set(from, (origins.get(from) ?? 0) + us);
  }
  const top = (map: Map<string, number>): ProfileEntry[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: (100 * us) / Math.max(total, 1) }));
  return { total: total / 1000, functions: top(functions), origins: top(origins) };
}
