// A real OpenID provider for Mandant's SSO tests: node-oidc-provider
// (OpenID Certified), configured from the environment, with a sign-in
// page of its own and a few test controls. Started by tests/api/sso.rs
// and web/e2e/sso.e2e.ts; nothing here is used by the server.
//
//   OIDC_PORT       port on 127.0.0.1
//   OIDC_CLIENTS    JSON array of clients (client_id, client_secret,
//                   redirect_uris, post_logout_redirect_uris)
//   OIDC_KEY_FILE   where the signing key is kept; OIDC_NEW_KEY=1 makes a
//                   new one (a rotation: new kid, the old one gone)
//
// Test controls (JSON bodies):
//   PUT  /_test/accounts/{id}  the claims of account {id} (email, email_verified, name, groups)
//   POST /_test/next-login     {"account": id}: the next sign-in completes
//                              as {id} without showing the form (HTTP-driven tests)
//   POST /_test/tamper         {"aud"?, "exp_offset"?, "iss"?}: the next ID token
//                              issued is re-signed, with the provider's own key,
//                              carrying these claims instead (what a hostile or
//                              broken provider would send)
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';

const port = Number(process.env.OIDC_PORT ?? 0);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]').map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...c,
}));

async function signingKey() {
  const file = process.env.OIDC_KEY_FILE;
  if (file && existsSync(file) && process.env.OIDC_NEW_KEY !== '1') {
    return JSON.parse(readFileSync(file, 'utf8'));
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  if (file) writeFileSync(file, JSON.stringify(jwk));
  return jwk;
}

const key = await signingKey();
const accounts = new Map();
const nextLogins = [];
let tamper = null;

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [key] },
  findAccount: async (_ctx, id) =>
    accounts.has(id) ? { accountId: id, claims: async () => ({ sub: id, ...accounts.get(id) }) } : undefined,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // The claims go into the ID token itself, which is what Mandant reads.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><title>Sign out</title><h1>Sign out of the test provider?</h1>${form}
          <button form="op.logoutForm" name="logout" value="yes" type="submit">Yes, sign me out</button>`;
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = '<!doctype html><title>Signed out</title><h1>Signed out</h1>';
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['mandant-test-oidc-cookie-key'] },
  // An unknown or bad request answers with the error, not a crash page.
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw ? JSON.parse(raw) : {};
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return Object.fromEntries(new URLSearchParams(raw));
}

async function finish(ctx, accountId) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const grantId = await grant.save();
  // Answered through Koa (not written to the socket behind its back), so
  // a kept-alive connection stays in step.
  const to = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(to);
}

// Re-signs an ID token with the provider's own key and other claims.
async function tampered(idToken, t) {
  const claims = { ...decodeJwt(idToken) };
  if (t.aud !== undefined) claims.aud = t.aud;
  if (t.iss !== undefined) claims.iss = t.iss;
  if (t.exp_offset !== undefined) {
    const now = Math.floor(Date.now() / 1000);
    claims.exp = now + t.exp_offset;
    claims.iat = Math.min(claims.iat, claims.exp - 60);
  }
  const header = decodeProtectedHeader(idToken);
  const privateKey = await importJWK(key, 'RS256');
  return new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/_test/')) {
    const body = await readJson(ctx.req);
    if (ctx.method === 'PUT' && ctx.path.startsWith('/_test/accounts/')) {
      accounts.set(decodeURIComponent(ctx.path.slice('/_test/accounts/'.length)), body);
    } else if (ctx.method === 'POST' && ctx.path === '/_test/next-login') {
      nextLogins.push(body.account);
    } else if (ctx.method === 'POST' && ctx.path === '/_test/tamper') {
      tamper = body;
    } else {
      ctx.status = 404;
      return;
    }
    ctx.status = 204;
    return;
  }
  const interaction = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (interaction) {
    if (ctx.method === 'POST' && interaction[2]) {
      const form = await readForm(ctx.req);
      if (!accounts.has(form.login)) {
        ctx.status = 400;
        ctx.body = `unknown account ${form.login}`;
        return;
      }
      return finish(ctx, form.login);
    }
    if (nextLogins.length > 0) return finish(ctx, nextLogins.shift());
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Test provider sign-in</title><h1>Test provider</h1>
      <form method="post" action="/interaction/${interaction[1]}/login">
        <label>Account <input name="login" autofocus></label>
        <button type="submit">Sign in</button>
      </form>`;
    return;
  }
  await next();
  if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const t = tamper;
    tamper = null;
    ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token, t) };
  }
});

const server = provider.listen(port, '127.0.0.1', () => {
  // The test waits for this line.
  console.log(`oidc-provider listening on ${issuer} kid=${key.kid}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
