import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { APPS, appByName, appSettings, ROOT } from './apps';

// nest-cli.json and docker/compose.yaml are read by tools that cannot import the manifest.
describe('the app manifest', () => {
  it('names the same applications as nest-cli.json, with their entry files', () => {
    const nestCli = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as {
      projects: Record<string, { type: string; entryFile: string }>;
    };
    const applications = Object.entries(nestCli.projects)
      .filter(([, project]) => project.type === 'application')
      .map(([name, project]) => ({ name, entryFile: project.entryFile }));
    expect(applications).toEqual(
      APPS.map(({ name }) => ({ name, entryFile: `apps/${name}/src/main` })),
    );
  });

  it('agrees with docker/compose.yaml on services, ports and database variables', () => {
    const compose = load(readFileSync(join(ROOT, 'docker', 'compose.yaml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string>; ports?: string[] }>;
    };
    for (const app of APPS) {
      const service = compose.services[app.name];
      expect({ app: app.name, found: service !== undefined }).toEqual({
        app: app.name,
        found: true,
      });
      const environment = service.environment ?? {};
      expect(environment.APP).toBe(app.name);
      expect(environment.PORT).toBe(String(app.defaultPort));
      expect(service.ports).toEqual([`${app.defaultPort}:${app.defaultPort}`]);
      for (const database of app.databases) {
        expect(environment[app.databaseVariable]).toContain(`/${database}`);
      }
      if (app.participant) {
        expect(environment.COORDINATOR_URL).toBe(`http://coordinator:${APPS[0].defaultPort}`);
        expect(environment.PUBLIC_URL).toBe(`http://${app.name}:${app.defaultPort}`);
      }
    }
    const appServices = Object.keys(compose.services).filter((name) => name !== 'postgres');
    expect(appServices).toEqual(APPS.map((app) => app.name));
  });

  it('creates every database of the manifest in the compose PostgreSQL', () => {
    const init = readFileSync(join(ROOT, 'docker', 'postgres-init.sql'), 'utf8');
    for (const database of APPS.flatMap((app) => app.databases)) {
      expect(init).toContain(database);
    }
  });

  it('gives a participant its peers and the account app its named shards', () => {
    expect(
      appSettings(appByName('account'), {
        port: 4002,
        databaseUrls: ['postgres://h/a0', 'postgres://h/a1'],
        coordinatorUrl: 'http://127.0.0.1:4000',
      }),
    ).toEqual({
      PORT: '4002',
      ACCOUNT_SHARD_URLS: 'shard-0=postgres://h/a0,shard-1=postgres://h/a1',
      COORDINATOR_URL: 'http://127.0.0.1:4000',
      PUBLIC_URL: 'http://127.0.0.1:4002',
    });
    expect(
      appSettings(appByName('coordinator'), { port: 4000, databaseUrls: ['postgres://h/c'] }),
    ).toEqual({ PORT: '4000', DATABASE_URL: 'postgres://h/c' });
  });
});
