/** What the service reads from its environment, once, at start. */
export interface LoyaltyConfig {
  port: number;
  databaseUrl: string;
  coordinatorUrl: string;
  publicUrl: string;
  apiKey: string;
  adminToken: string;
  /** The current signing secret first, then the previous one during a rotation. */
  signingSecrets: string[];
}

/** Reads the configuration, naming every missing variable at once. */
export function readConfig(env: NodeJS.ProcessEnv): LoyaltyConfig {
  const required = ['DATABASE_URL', 'TCC_API_KEY', 'TCC_ADMIN_TOKEN', 'TCC_SIGNING_SECRET'];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`loyalty: set ${missing.join(', ')}`);
  const port = Number(env.PORT ?? 3003);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`loyalty: PORT must be a TCP port, got "${env.PORT}"`);
  }
  return {
    port,
    databaseUrl: env.DATABASE_URL as string,
    coordinatorUrl: env.COORDINATOR_URL ?? 'http://127.0.0.1:3000',
    publicUrl: env.PUBLIC_URL ?? `http://127.0.0.1:${port}`,
    apiKey: env.TCC_API_KEY as string,
    adminToken: env.TCC_ADMIN_TOKEN as string,
    signingSecrets: [
      env.TCC_SIGNING_SECRET as string,
      env.TCC_SIGNING_SECRET_PREVIOUS ?? '',
    ].filter((secret) => secret !== ''),
  };
}
