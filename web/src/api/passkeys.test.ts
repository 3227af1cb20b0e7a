import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, refresher } from './client';
import {
  base64urlToBuffer,
  bufferToBase64url,
  createCredential,
  credentialToJSON,
  credentialToJSONByHand,
  creationOptionsFromJSON,
  finishRegistration,
  getCredential,
  isIpAddress,
  PasskeyError,
  passkeysHere,
  passkeyProblem,
  requestOptionsFromJSON,
  secondFactorChallenge,
  toCreationOptions,
  toRequestOptions,
} from './passkeys';
import { TokenStore } from './tokens';

afterEach(() => {
  vi.unstubAllGlobals();
});

const bytes = (...b: number[]) => new Uint8Array(b).buffer;
const list = (b: ArrayBuffer | ArrayBufferView | BufferSource | undefined) =>
  b === undefined ? undefined : [...new Uint8Array(b instanceof ArrayBuffer ? b : (b as ArrayBufferView).buffer)];

// As webauthn-rs 0.5 writes them (`start_passkey_registration`), with a
// `null` member serde may leave in.
const creationJSON = {
  rp: { name: 'Mandant', id: 'localhost' },
  user: { id: 'AQID', name: 'ann@acme.example', displayName: 'Ann' },
  challenge: '-_8',
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }],
  timeout: 300000,
  excludeCredentials: [{ type: 'public-key', id: 'BAUG', transports: ['internal'] }],
  authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  attestation: 'none',
  hints: null,
  extensions: { credProps: true, uvm: true },
} as unknown as PublicKeyCredentialCreationOptionsJSON;

const requestJSON = {
  challenge: 'AAEC_w',
  timeout: 300000,
  rpId: 'localhost',
  allowCredentials: [{ type: 'public-key', id: 'BAUG' }],
  userVerification: 'required',
  extensions: { uvm: true },
} as unknown as PublicKeyCredentialRequestOptionsJSON;

describe('base64url', () => {
  it('turns bytes into unpadded base64url and back, whatever the padding', () => {
    expect(bufferToBase64url(bytes(0xfb, 0xff))).toBe('-_8');
    expect(bufferToBase64url(bytes(1, 2, 3, 4))).toBe('AQIDBA');
    expect(bufferToBase64url(new Uint8Array([9, 1, 2, 3]).subarray(1))).toBe('AQID');
    expect(list(base64urlToBuffer('-_8'))).toEqual([0xfb, 0xff]);
    expect(list(base64urlToBuffer('AQIDBA=='))).toEqual([1, 2, 3, 4]);
    // Plain base64 too (webauthn-rs reads either).
    expect(list(base64urlToBuffer('+/8='))).toEqual([0xfb, 0xff]);
    expect(list(base64urlToBuffer(''))).toEqual([]);
    const all = new Uint8Array(256).map((_, i) => i);
    expect(list(base64urlToBuffer(bufferToBase64url(all)))).toEqual([...all]);
  });
});

describe('options from the server for the browser', () => {
  it('converts creation options by hand: challenge, user id and excluded ids become bytes; nulls go', () => {
    const o = creationOptionsFromJSON(creationJSON);
    expect(list(o.challenge)).toEqual([0xfb, 0xff]);
    expect(list(o.user.id)).toEqual([1, 2, 3]);
    expect(o.user.name).toBe('ann@acme.example');
    expect(o.user.displayName).toBe('Ann');
    expect(o.rp).toEqual({ name: 'Mandant', id: 'localhost' });
    expect(o.pubKeyCredParams).toEqual([{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }]);
    expect(o.excludeCredentials?.map((c) => [c.type, list(c.id), c.transports])).toEqual([['public-key', [4, 5, 6], ['internal']]]);
    expect(o.authenticatorSelection).toEqual({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(o.timeout).toBe(300000);
    expect('hints' in o).toBe(false);
  });

  it('converts request options by hand: challenge and allowed ids become bytes', () => {
    const o = requestOptionsFromJSON(requestJSON);
    expect(list(o.challenge)).toEqual([0, 1, 2, 0xff]);
    expect(o.allowCredentials?.map((c) => list(c.id))).toEqual([[4, 5, 6]]);
    expect(o.rpId).toBe('localhost');
    expect(o.userVerification).toBe('required');
    // A discoverable sign-in names no credential.
    expect(requestOptionsFromJSON({ challenge: 'AA', allowCredentials: [] } as PublicKeyCredentialRequestOptionsJSON).allowCredentials).toEqual([]);
  });

  it("uses the browser's own parser where there is one, without the nulls", () => {
    const parsed = { challenge: bytes(1) } as unknown as PublicKeyCredentialCreationOptions;
    const parseCreationOptionsFromJSON = vi.fn(() => parsed);
    expect(toCreationOptions(creationJSON, { parseCreationOptionsFromJSON })).toBe(parsed);
    expect(parseCreationOptionsFromJSON.mock.calls[0]).toEqual([expect.not.objectContaining({ hints: null })]);
    const parseRequestOptionsFromJSON = vi.fn(() => ({ challenge: bytes(2) }) as PublicKeyCredentialRequestOptions);
    expect(list(toRequestOptions(requestJSON, { parseRequestOptionsFromJSON }).challenge)).toEqual([2]);
    // Without: by hand.
    expect(list(toCreationOptions(creationJSON, {}).challenge)).toEqual([0xfb, 0xff]);
    expect(list(toRequestOptions(requestJSON, {}).challenge)).toEqual([0, 1, 2, 0xff]);
  });
});

/** A credential as a browser without `toJSON()` hands it over. */
function fakeCredential(response: object, extra: object = {}): PublicKeyCredential {
  return {
    id: 'BAUG',
    rawId: bytes(4, 5, 6),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response,
    getClientExtensionResults: () => ({ credProps: { rk: true } }),
    ...extra,
  } as unknown as PublicKeyCredential;
}

describe('the browser\'s credential for the server', () => {
  it('writes a new passkey (attestation) by hand as toJSON() would', () => {
    const cred = fakeCredential({
      clientDataJSON: bytes(123, 125),
      attestationObject: bytes(0xa0),
      getTransports: () => ['internal', 'hybrid'],
      getAuthenticatorData: () => bytes(7),
      getPublicKey: () => bytes(8),
      getPublicKeyAlgorithm: () => -7,
    });
    expect(credentialToJSONByHand(cred)).toEqual({
      id: 'BAUG',
      rawId: 'BAUG',
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: 'e30',
        attestationObject: 'oA',
        transports: ['internal', 'hybrid'],
        authenticatorData: 'Bw',
        publicKey: 'CA',
        publicKeyAlgorithm: -7,
      },
      clientExtensionResults: { credProps: { rk: true } },
    });
  });

  it('writes a signature (assertion) by hand, with the user handle when there is one', () => {
    const cred = fakeCredential({ clientDataJSON: bytes(1), authenticatorData: bytes(2), signature: bytes(3), userHandle: bytes(1, 2, 3) });
    expect(credentialToJSONByHand(cred).response).toEqual({ clientDataJSON: 'AQ', authenticatorData: 'Ag', signature: 'Aw', userHandle: 'AQID' });
    const anonymous = fakeCredential({ clientDataJSON: bytes(1), authenticatorData: bytes(2), signature: bytes(3), userHandle: null });
    expect(credentialToJSONByHand(anonymous).response).toEqual({ clientDataJSON: 'AQ', authenticatorData: 'Ag', signature: 'Aw' });
  });

  it('takes toJSON() where the browser has it, else writes the same by hand', () => {
    const own = { id: 'x', rawId: 'x', type: 'public-key', response: {}, clientExtensionResults: { credProps: { rk: true } } };
    expect(credentialToJSON(fakeCredential({}, { toJSON: () => own }))).toBe(own);
    const byHand = credentialToJSON(fakeCredential({ clientDataJSON: bytes(1), authenticatorData: bytes(2), signature: bytes(3), userHandle: null }));
    expect(byHand.clientExtensionResults).toEqual({ credProps: { rk: true } });
    // webauthn-rs takes `clientExtensionResults` for its `extensions`, and refuses both at once.
    expect(byHand).not.toHaveProperty('extensions');
  });
});

describe('the ceremonies at the browser', () => {
  const withWebAuthn = (credentials: Partial<CredentialsContainer>) => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    vi.stubGlobal('navigator', { ...navigator, credentials });
  };

  it('says when the browser has no WebAuthn, before asking it anything', async () => {
    vi.stubGlobal('PublicKeyCredential', undefined);
    await expect(createCredential({ publicKey: creationJSON })).rejects.toMatchObject({ kind: 'unsupported' });
    await expect(getCredential({ publicKey: requestJSON })).rejects.toMatchObject({ kind: 'unsupported' });
  });

  it('turns what the browser throws into kinds, never passing the exception on', async () => {
    const cancel = new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError');
    withWebAuthn({ create: vi.fn().mockRejectedValue(cancel), get: vi.fn().mockResolvedValue(null) });
    await expect(createCredential({ publicKey: creationJSON })).rejects.toMatchObject({ name: 'PasskeyError', kind: 'cancelled' });
    await expect(getCredential({ publicKey: requestJSON })).rejects.toMatchObject({ kind: 'cancelled' });
    expect(passkeyProblem(new DOMException('x', 'InvalidStateError')).kind).toBe('exists');
    expect(passkeyProblem(new DOMException('x', 'SecurityError')).kind).toBe('address');
    expect(passkeyProblem(new DOMException('x', 'AbortError')).kind).toBe('cancelled');
    expect(passkeyProblem(new DOMException('x', 'NotSupportedError')).kind).toBe('unsupported');
    expect(passkeyProblem(new TypeError('bad')).kind).toBe('failed');
    const same = new PasskeyError('exists');
    expect(passkeyProblem(same)).toBe(same);
  });

  it('asks in a dialog: a conditional (autofill) mediation from the server is left out', async () => {
    const answer = fakeCredential({ clientDataJSON: bytes(1), authenticatorData: bytes(2), signature: bytes(3), userHandle: bytes(9) });
    const get = vi.fn().mockResolvedValue(answer);
    withWebAuthn({ create: vi.fn(), get });
    const json = await getCredential({ publicKey: requestJSON, mediation: 'conditional' });
    expect(get.mock.calls[0]![0]).not.toHaveProperty('mediation');
    expect(list((get.mock.calls[0]![0] as CredentialRequestOptions).publicKey!.challenge)).toEqual([0, 1, 2, 0xff]);
    expect(json).toMatchObject({ id: 'BAUG', rawId: 'BAUG', type: 'public-key', response: { userHandle: 'CQ' } });
    await getCredential({ publicKey: requestJSON, mediation: 'required' });
    expect(get.mock.calls[1]![0]).toHaveProperty('mediation', 'required');
  });
});

describe('the calls', () => {
  it("reads the challenge a password's mfa_required carries, and nothing else", () => {
    const passkey = { flow_id: 'f1', options: { publicKey: requestJSON } };
    expect(secondFactorChallenge({ status: 401, code: 'mfa_required', passkey })).toEqual(passkey);
    expect(secondFactorChallenge({ status: 401, code: 'mfa_required' })).toBeNull();
    expect(secondFactorChallenge({ passkey: { flow_id: 'f1' } })).toBeNull();
    expect(secondFactorChallenge({ passkey: null })).toBeNull();
  });

  it('takes a refused ceremony (401) as the answer: no refresh, nobody signed out', async () => {
    const calls: string[] = [];
    const fetchImpl = vi.fn(async (input: RequestInfo | URL) => {
      calls.push(String(input));
      return new Response(JSON.stringify({ status: 401, code: 'unauthorized', detail: 'The passkey was not accepted, or the ceremony expired.' }), {
        status: 401,
        headers: { 'content-type': 'application/problem+json' },
      });
    }) as unknown as typeof fetch;
    const storage = new Map<string, string>();
    const tokens = new TokenStore('acme', refresher('acme', fetchImpl), {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    } as Storage);
    tokens.set({ access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900 });
    const onAuthLost = vi.fn();
    const api = new ApiClient('acme', tokens, { onAuthLost }, fetchImpl);
    await expect(finishRegistration(api, 'f1', 'Laptop', { id: 'x' })).rejects.toMatchObject({ status: 401 });
    expect(calls).toEqual(['/t/acme/api/v1/me/passkeys/register/finish']);
    expect(onAuthLost).not.toHaveBeenCalled();
    expect(tokens.get()?.access_token).toBe('a1');
  });
});

describe('where passkeys can work', () => {
  it('never at an IP address, which WebAuthn refuses as relying party', () => {
    expect(isIpAddress('127.0.0.1')).toBe(true);
    expect(isIpAddress('[::1]')).toBe(true);
    expect(isIpAddress('localhost')).toBe(false);
    expect(isIpAddress('crm.example.com')).toBe(false);
    expect(isIpAddress('1.example')).toBe(false);
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    vi.stubGlobal('navigator', { ...navigator, credentials: { create: vi.fn(), get: vi.fn() } });
    expect(passkeysHere('localhost')).toBe('ok');
    expect(passkeysHere('10.0.0.5')).toBe('address');
    vi.stubGlobal('PublicKeyCredential', undefined);
    expect(passkeysHere('localhost')).toBe('unsupported');
  });
});
