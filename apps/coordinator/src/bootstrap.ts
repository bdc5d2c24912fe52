import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHttpApp, HttpAppOptions } from '@app/http';
import { mountAdminUi } from './admin/admin-ui';
import { AppModule } from './app.module';
import type { CoordinatorConfig } from './config/coordinator-config';
import { setupOpenApi } from './docs/openapi';
import { securityHeaders } from './security-headers';

/** Builds the coordinator app (used by `main.ts` and by tests that run it in-process). */
export async function createCoordinatorApp(
  config: CoordinatorConfig,
  options: HttpAppOptions = {},
): Promise<NestExpressApplication> {
  const app = await createHttpApp(AppModule.forRoot(config), options);
  // First, so static files, the docs and every API answer carry the headers.
  app.use(securityHeaders());
  // Static files are served before the guards run: the UI itself is public, its API calls are not.
  mountAdminUi(app);
  setupOpenApi(app);
  return app;
}
