import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const ADMIN_UI_PREFIX = '/admin';

/**
 * The admin UI's static folder: next to the built app (nest-cli copies
 * `apps/coordinator/public` to `dist/apps/coordinator/public`), else the
 * source folder when running from source. Null when there is none or it is
 * empty, and then nothing is served at /admin.
 */
function adminUiDirectory(): string | null {
  const candidates = [
    join(__dirname, '..', '..', '..', '..', 'public'),
    join(__dirname, '..', '..', 'public'),
  ];
  for (const candidate of candidates) {
    if (existsSync(candidate) && readdirSync(candidate).length > 0) return candidate;
  }
  return null;
}

/**
 * Serves the UI's files at /admin. They are public: the page holds no data,
 * and every API call it makes carries the admin token. The page itself is
 * never cached, so a new build takes effect at the next load; the modules it
 * loads are revalidated by ETag.
 */
export function mountAdminUi(app: NestExpressApplication): void {
  const directory = adminUiDirectory();
  if (!directory) return;
  app.useStaticAssets(directory, {
    prefix: ADMIN_UI_PREFIX,
    setHeaders: (res: Response, path: string) => {
      res.setHeader('Cache-Control', basename(path) === 'index.html' ? 'no-store' : 'no-cache');
    },
  });
}
