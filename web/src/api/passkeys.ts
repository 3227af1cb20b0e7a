// Passkeys (WebAuthn): the signed-in person's own (`/me/passkeys`: list,
// enrol, remove), signing in with one (`/auth/passkey`), and the glue to
// `navigator.credentials`.
//
// Every ceremony is two requests: `start` gives the options for the
// browser, `finish` takes the browser's answer. The server speaks JSON with
// binary fields as base64url (webauthn-rs), the browser wants ArrayBuffers:
// `PublicKeyCredential.parseCreationOptionsFromJSON` /
// `parseRequestOptionsFromJSON` and `credential.toJSON()` convert where the
// browser has them (Chromium, Firefox, Safari 18), the functions below do
// the same by hand elsewhere.
//
// What can go wrong at the browser becomes a `PasskeyError` with a kind a
// view can put in words (views/passkeys/words.ts), never a raw exception.
import type { ApiClient } from './client';
import type { TokenPair } from './types';

/** A passkey as `/me/passkeys` lists it (the key itself never leaves the server). */
export interface Passkey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** `{"publicKey": …}` as webauthn-rs sends creation options. */
export interface CreationOptionsJSON {
  publicKey: PublicKeyCredentialCreationOptionsJSON;
}

/** `{"publicKey": …, "mediation"?}` as webauthn-rs sends request options. */
export interface RequestOptionsJSON {
  publicKey: PublicKeyCredentialRequestOptionsJSON;
  mediation?: CredentialMediationRequirement | null;
}

/** One ceremony: its id at the server and the options for the browser. */
export interface Ceremony<O> {
  flow_id: string;
  options: O;
}

/** What the browser's credential becomes on the wire (`PublicKeyCredential.toJSON()`'s shape). */
export type CredentialJSON = Record<string, unknown>;

// ---------------------------------------------------------------- the API

export async function listPasskeys(api: ApiClient, signal?: AbortSignal): Promise<Passkey[]> {
  return (await api.get<{ items: Passkey[] }>('/me/passkeys', undefined, signal)).data.items;
}

export async function startRegistration(api: ApiClient): Promise<Ceremony<CreationOptionsJSON>> {
  return (await api.request<Ceremony<CreationOptionsJSON>>('POST', '/me/passkeys/register/start')).data;
}

/**
 * Stores the new passkey under `name`. The server answers `401` when the
 * ceremony expired, was spent or refused: that is this call's answer, not
 * the session's, so it neither refreshes nor signs anyone out.
 */
export async function finishRegistration(api: ApiClient, flowId: string, name: string, credential: CredentialJSON): Promise<Passkey> {
  const body = { flow_id: flowId, name, credential };
  return (await api.request<Passkey>('POST', '/me/passkeys/register/finish', { body, callerHandles401: true })).data;
}

export async function removePasskey(api: ApiClient, id: string): Promise<void> {
  await api.request('DELETE', `/me/passkeys/${encodeURIComponent(id)}`);
}

/** Signed out: a challenge any of the workspace's passkeys may answer. */
export async function startPasskeySignIn(api: ApiClient): Promise<Ceremony<RequestOptionsJSON>> {
  return (await api.request<Ceremony<RequestOptionsJSON>>('POST', '/auth/passkey/start', { auth: false })).data;
}

/** The answer for a token pair, as `/auth/login` gives (`401`: not accepted; `403 sso_required`). */
export async function finishPasskeySignIn(api: ApiClient, flowId: string, credential: CredentialJSON): Promise<TokenPair> {
  const body = { flow_id: flowId, credential };
  return (await api.request<TokenPair>('POST', '/auth/passkey/finish', { body, auth: false })).data;
}

/**
 * The passkey challenge of a `401 mfa_required` answer to a password
 * (`passkey: {flow_id, options}`), present when the account holds passkeys.
 */
export function secondFactorChallenge(problem: Record<string, unknown>): Ceremony<RequestOptionsJSON> | null {
  const p = problem.passkey as Partial<Ceremony<RequestOptionsJSON>> | null | undefined;
  if (!p || typeof p.flow_id !== 'string' || !p.options || typeof p.options !== 'object' || !p.options.publicKey) return null;
  return { flow_id: p.flow_id, options: p.options };
}

// ------------------------------------------------------ base64url bytes

/** base64url (padded or not; plain base64 is read too) → bytes. */
export function base64urlToBuffer(s: string): ArrayBuffer {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

/** Bytes → base64url without padding, as webauthn-rs and `toJSON()` write them. */
export function bufferToBase64url(b: ArrayBuffer | ArrayBufferView): string {
  const bytes = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ------------------------------------------------ options: JSON → browser

/**
 * The same value without `null` members: serde may write an absent option
 * as `null`, which WebIDL refuses where it wants a list or a string.
 */
export function withoutNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(withoutNulls) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = withoutNulls(x);
    return out as T;
  }
  return v;
}

const descriptor = (d: PublicKeyCredentialDescriptorJSON): PublicKeyCredentialDescriptor => ({
  ...d,
  type: d.type as PublicKeyCredentialType,
  id: base64urlToBuffer(d.id),
  transports: d.transports as AuthenticatorTransport[] | undefined,
});

/** Creation options by hand: `challenge`, `user.id` and `excludeCredentials[].id` become bytes. */
export function creationOptionsFromJSON(json: PublicKeyCredentialCreationOptionsJSON): PublicKeyCredentialCreationOptions {
  const o = withoutNulls(json);
  return {
    ...o,
    challenge: base64urlToBuffer(o.challenge),
    user: { ...o.user, id: base64urlToBuffer(o.user.id) },
    excludeCredentials: o.excludeCredentials?.map(descriptor),
    attestation: o.attestation as AttestationConveyancePreference | undefined,
    // Extensions that carry bytes (prf, largeBlob) are not asked for here.
    extensions: o.extensions as AuthenticationExtensionsClientInputs | undefined,
  };
}

/** Request options by hand: `challenge` and `allowCredentials[].id` become bytes. */
export function requestOptionsFromJSON(json: PublicKeyCredentialRequestOptionsJSON): PublicKeyCredentialRequestOptions {
  const o = withoutNulls(json);
  return {
    ...o,
    challenge: base64urlToBuffer(o.challenge),
    allowCredentials: o.allowCredentials?.map(descriptor),
    userVerification: o.userVerification as UserVerificationRequirement | undefined,
    extensions: o.extensions as AuthenticationExtensionsClientInputs | undefined,
  };
}

/** The browser's own parsers, where it has them (`undefined` elsewhere). */
interface NativeParsers {
  parseCreationOptionsFromJSON?: (o: PublicKeyCredentialCreationOptionsJSON) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (o: PublicKeyCredentialRequestOptionsJSON) => PublicKeyCredentialRequestOptions;
}

function nativeParsers(): NativeParsers {
  return typeof PublicKeyCredential === 'function' ? (PublicKeyCredential as unknown as NativeParsers) : {};
}

export function toCreationOptions(json: PublicKeyCredentialCreationOptionsJSON, native: NativeParsers = nativeParsers()): PublicKeyCredentialCreationOptions {
  const clean = withoutNulls(json);
  const parse = native.parseCreationOptionsFromJSON;
  return typeof parse === 'function' ? parse.call(native, clean) : creationOptionsFromJSON(clean);
}

export function toRequestOptions(json: PublicKeyCredentialRequestOptionsJSON, native: NativeParsers = nativeParsers()): PublicKeyCredentialRequestOptions {
  const clean = withoutNulls(json);
  const parse = native.parseRequestOptionsFromJSON;
  return typeof parse === 'function' ? parse.call(native, clean) : requestOptionsFromJSON(clean);
}

// --------------------------------------------- credential: browser → JSON

interface AttestationLike {
  clientDataJSON: ArrayBuffer;
  attestationObject: ArrayBuffer;
  getTransports?: () => string[];
  getAuthenticatorData?: () => ArrayBuffer;
  getPublicKey?: () => ArrayBuffer | null;
  getPublicKeyAlgorithm?: () => number;
}

interface AssertionLike {
  clientDataJSON: ArrayBuffer;
  authenticatorData: ArrayBuffer;
  signature: ArrayBuffer;
  userHandle: ArrayBuffer | null;
}

/** What `credential.toJSON()` gives, written by hand for browsers without it. */
export function credentialToJSONByHand(cred: PublicKeyCredential): CredentialJSON {
  const r = cred.response as unknown as Partial<AttestationLike & AssertionLike>;
  let response: Record<string, unknown>;
  if (r.attestationObject) {
    const a = r as AttestationLike;
    const publicKey = a.getPublicKey?.();
    response = {
      clientDataJSON: bufferToBase64url(a.clientDataJSON),
      attestationObject: bufferToBase64url(a.attestationObject),
      transports: a.getTransports?.() ?? [],
      ...(a.getAuthenticatorData ? { authenticatorData: bufferToBase64url(a.getAuthenticatorData()) } : {}),
      ...(publicKey ? { publicKey: bufferToBase64url(publicKey) } : {}),
      ...(a.getPublicKeyAlgorithm ? { publicKeyAlgorithm: a.getPublicKeyAlgorithm() } : {}),
    };
  } else {
    const a = r as AssertionLike;
    response = {
      clientDataJSON: bufferToBase64url(a.clientDataJSON),
      authenticatorData: bufferToBase64url(a.authenticatorData),
      signature: bufferToBase64url(a.signature),
      ...(a.userHandle ? { userHandle: bufferToBase64url(a.userHandle) } : {}),
    };
  }
  return {
    id: cred.id,
    rawId: bufferToBase64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
    response,
    clientExtensionResults: cred.getClientExtensionResults?.() ?? {},
  };
}

/**
 * The credential for the server, in `toJSON()`'s shape (webauthn-rs reads
 * `clientExtensionResults` as its `extensions`; both at once it refuses).
 */
export function credentialToJSON(cred: PublicKeyCredential): CredentialJSON {
  return typeof cred.toJSON === 'function' ? (cred.toJSON() as unknown as CredentialJSON) : credentialToJSONByHand(cred);
}

// ------------------------------------------------------- the ceremonies

export type PasskeyProblem =
  /** The browser has no WebAuthn (or not in this context). */
  | 'unsupported'
  /** Cancelled by the person, timed out, or refused by the browser (NotAllowedError). */
  | 'cancelled'
  /** This authenticator already holds a passkey for the account (InvalidStateError on create). */
  | 'exists'
  /** The address does not fit the relying party (SecurityError): an IP address, another host. */
  | 'address'
  /** Anything else the browser threw. */
  | 'failed';

export class PasskeyError extends Error {
  constructor(readonly kind: PasskeyProblem, cause?: unknown) {
    super(`passkey: ${kind}`);
    this.name = 'PasskeyError';
    this.cause = cause;
  }
}

/** Whether this browser can use passkeys at all (WebAuthn in a secure context). */
export function passkeysSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    typeof window.PublicKeyCredential === 'function' &&
    typeof navigator !== 'undefined' &&
    typeof navigator.credentials?.create === 'function' &&
    typeof navigator.credentials?.get === 'function'
  );
}

/** An IP address (v4, or v6 as `[::1]`), which WebAuthn refuses as relying party. */
export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[') || host.includes(':');
}

/**
 * Whether passkeys can work in this page: the browser has WebAuthn, and
 * the page is at a name, not an IP address (where every ceremony fails
 * with a SecurityError, so no button is offered that can only fail).
 */
export function passkeysHere(host: string = typeof location === 'undefined' ? '' : location.hostname): 'ok' | 'unsupported' | 'address' {
  if (!passkeysSupported()) return 'unsupported';
  return isIpAddress(host) ? 'address' : 'ok';
}

/** A DOMException (or anything thrown) as the kind a view puts in words. */
export function passkeyProblem(e: unknown): PasskeyError {
  if (e instanceof PasskeyError) return e;
  const name = (e as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'AbortError':
      return new PasskeyError('cancelled', e);
    case 'InvalidStateError':
      return new PasskeyError('exists', e);
    case 'SecurityError':
      return new PasskeyError('address', e);
    case 'NotSupportedError':
      return new PasskeyError('unsupported', e);
    default:
      return new PasskeyError('failed', e);
  }
}

/** Asks the browser for a new passkey with the server's options; its answer as JSON. */
export async function createCredential(options: CreationOptionsJSON, signal?: AbortSignal): Promise<CredentialJSON> {
  if (!passkeysSupported()) throw new PasskeyError('unsupported');
  let cred: Credential | null;
  try {
    cred = await navigator.credentials.create({ publicKey: toCreationOptions(options.publicKey), signal });
  } catch (e) {
    throw passkeyProblem(e);
  }
  if (!cred) throw new PasskeyError('cancelled');
  return credentialToJSON(cred as PublicKeyCredential);
}

/**
 * Asks the browser to sign the server's challenge with a passkey. A
 * button asks in a dialog: webauthn-rs marks its password-less challenge
 * `mediation: "conditional"` (the browser's autofill), which would wait
 * for a field's suggestion instead, so that one is left out.
 */
export async function getCredential(options: RequestOptionsJSON, signal?: AbortSignal): Promise<CredentialJSON> {
  if (!passkeysSupported()) throw new PasskeyError('unsupported');
  const mediation = options.mediation && options.mediation !== 'conditional' ? options.mediation : undefined;
  let cred: Credential | null;
  try {
    cred = await navigator.credentials.get({ publicKey: toRequestOptions(options.publicKey), signal, ...(mediation ? { mediation } : {}) });
  } catch (e) {
    throw passkeyProblem(e);
  }
  if (!cred) throw new PasskeyError('cancelled');
  return credentialToJSON(cred as PublicKeyCredential);
}
