// Shared by the global setup (Node, main process) and the tests (workers).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    serverUrl: string;
    password: string;
    secondTenant: { slug: string; name: string; email: string };
    /** The server's data directory (`MANDANT_DATA_DIR`): SQLite files, one per tenant. */
    serverDataDir: string;
    /** Where the SMTP sink writes each message it receives, as JSON (mail-sink.ts). */
    mailDir: string;
    /** `MANDANT_PUBLIC_URL`: the origin of the links in mail. */
    publicUrl: string;
    /** `MANDANT_PLATFORM_TOKEN`: the platform operator's API (`/api/v1/tenants`). */
    platformToken: string;
  }
}
