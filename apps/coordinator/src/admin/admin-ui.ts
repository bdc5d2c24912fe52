import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The admin UI's static folder: next to the built app (nest-cli copies
 * `apps/coordinator/public` to `dist/apps/coordinator/public`), else the
 * source folder when running from source. Null when there is none or it is
 * empty, and then nothing is served at /admin.
 */
export function adminUiDirectory(): string | null {
  const candidates = [
    join(__dirname, '..', '..', '..', '..', 'public'),
    join(__dirname, '..', '..', 'public'),
  ];
  for (const candidate of candidates) {
    if (existsSync(candidate) && readdirSync(candidate).length > 0) return candidate;
  }
  return null;
}
