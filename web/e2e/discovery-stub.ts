// The least of an OpenID provider the server's admin API wants: a
// discovery document and an (empty) key set on loopback, so Admin › Single
// sign-on can save a provider (saving reads its discovery). Nobody signs
// in through it: the sign-in flow's own test brings a real provider.
import http from 'node:http';
import type net from 'node:net';

export interface DiscoveryStub {
  issuer: string;
  close(): Promise<void>;
}

export async function startDiscoveryStub(): Promise<DiscoveryStub> {
  let issuer = '';
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      }));
    } else if (req.url === '/jwks') {
      res.end(JSON.stringify({ keys: [] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
