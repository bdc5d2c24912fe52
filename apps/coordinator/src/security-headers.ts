import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** The admin UI's Content-Security-Policy: its own scripts, styles and API only, never framed. */
export const ADMIN_UI_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
};

// Swagger UI's page carries inline <style> blocks; its scripts are files.
const DOCS_CSP = { ...ADMIN_UI_CSP, 'style-src': ["'self'", "'unsafe-inline'"] };

// JSON answers load nothing and are never framed.
const API_CSP = { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] };

const common = {
  referrerPolicy: { policy: 'no-referrer' as const },
  frameguard: { action: 'deny' as const },
};

const forAdminUi = helmet({
  ...common,
  contentSecurityPolicy: { useDefaults: false, directives: ADMIN_UI_CSP },
});
const forDocs = helmet({
  ...common,
  contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP },
});
const forApi = helmet({
  ...common,
  contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
});

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`);
}

/**
 * helmet's headers on every answer, with the Content-Security-Policy that
 * fits what is answered: the strict one for the admin UI, one that lets
 * Swagger UI's inline styles through for /docs, and `default-src 'none'`
 * for the JSON API.
 */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    if (under(req.path, '/admin')) return forAdminUi(req, res, next);
    if (under(req.path, '/docs')) return forDocs(req, res, next);
    return forApi(req, res, next);
  };
}
