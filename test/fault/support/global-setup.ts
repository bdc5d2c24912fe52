import { buildBusiIfStale } from '../../participants/busi-build';
import globalSetup from '../../support/global-setup';

/** The e2e global setup (PostgreSQL, a fresh build of the apps), then the test participant's build. */
export default async function faultGlobalSetup(
  globalConfig: unknown,
  projectConfig: { displayName?: { name: string } },
): Promise<void> {
  await globalSetup(globalConfig, projectConfig);
  buildBusiIfStale((line) => process.stdout.write(`\n${line}\n`));
}
