/** Repository root. */
export const ROOT: string;
/** Why dist/ needs a build, or null when it is current. */
export function staleReason(): string | null;
/** Runs `npm run build` when dist/ is missing or stale; true when it built. */
export function buildIfStale(log?: (line: string) => void): boolean;
