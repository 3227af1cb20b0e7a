// A browser with WebAuthn, for component tests: `PublicKeyCredential`
// (without the JSON parsers, so the app's own conversion runs) and
// `navigator.credentials` whose create/get the test scripts.
import { vi } from 'vitest';

const bytes = (...b: number[]) => new Uint8Array(b).buffer;

/** A new passkey as a browser without `toJSON()` gives it. */
export function fakeAttestation(): PublicKeyCredential {
  return {
    id: 'BAUG',
    rawId: bytes(4, 5, 6),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: { clientDataJSON: bytes(1), attestationObject: bytes(2), getTransports: () => ['internal'] },
    getClientExtensionResults: () => ({}),
  } as unknown as PublicKeyCredential;
}

/** A signature as a browser without `toJSON()` gives it. */
export function fakeAssertion(): PublicKeyCredential {
  return {
    id: 'BAUG',
    rawId: bytes(4, 5, 6),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: { clientDataJSON: bytes(1), authenticatorData: bytes(2), signature: bytes(3), userHandle: bytes(7) },
    getClientExtensionResults: () => ({}),
  } as unknown as PublicKeyCredential;
}

/** What `credentialToJSON` makes of `fakeAssertion()`. */
export const ASSERTION_JSON = {
  id: 'BAUG',
  rawId: 'BAUG',
  type: 'public-key',
  authenticatorAttachment: 'platform',
  response: { clientDataJSON: 'AQ', authenticatorData: 'Ag', signature: 'Aw', userHandle: 'Bw' },
  clientExtensionResults: {},
};

export const cancelled = () => new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError');

/** Installs WebAuthn (undone by `removeWebAuthn`); returns the scripted create/get. */
export function installWebAuthn(userAgent?: string) {
  const create = vi.fn<(o: CredentialCreationOptions) => Promise<Credential | null>>(async () => fakeAttestation());
  const get = vi.fn<(o: CredentialRequestOptions) => Promise<Credential | null>>(async () => fakeAssertion());
  vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
  Object.defineProperty(navigator, 'credentials', { value: { create, get }, configurable: true });
  if (userAgent) Object.defineProperty(navigator, 'userAgent', { value: userAgent, configurable: true });
  return { create, get };
}

/** A browser without WebAuthn (jsdom's own state). */
export function removeWebAuthn() {
  vi.stubGlobal('PublicKeyCredential', undefined);
  delete (navigator as { credentials?: unknown }).credentials;
  delete (navigator as { userAgent?: unknown }).userAgent;
}

/** webauthn-rs's creation options, as `register/start` sends them. */
export const CREATION = {
  publicKey: {
    rp: { name: 'Mandant', id: 'localhost' },
    user: { id: 'AQID', name: 'ann@acme.example', displayName: 'Ann' },
    challenge: 'AAEC',
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    timeout: 300000,
    excludeCredentials: [],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    attestation: 'none',
  },
};

/** webauthn-rs's request options, as `auth/passkey/start` sends them. */
export const REQUEST = {
  publicKey: { challenge: 'CQkJ', timeout: 300000, rpId: 'localhost', allowCredentials: [], userVerification: 'required' },
  mediation: 'conditional',
};
