import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHttpApp } from '@app/http';
import { adminUiDirectory } from './admin/admin-ui';
import { AppModule } from './app.module';
import type { CoordinatorConfig } from './config/coordinator-config';

/** Builds the coordinator app (used by `main.ts` and by tests that run it in-process). */
export async function createCoordinatorApp(
  config: CoordinatorConfig,
  options: NestApplicationOptions = {},
): Promise<NestExpressApplication> {
  const app = await createHttpApp(AppModule.forRoot(config), options);
  const adminUi = adminUiDirectory();
  // Static files are served before the guards run: the UI itself is public, its API calls are not.
  if (adminUi) app.useStaticAssets(adminUi, { prefix: '/admin' });
  return app;
}
