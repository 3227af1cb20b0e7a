// The workspace's storage: how much its files take, its quota, and the
// largest upload the server takes (`GET /storage/usage`, any signed-in
// person). The limit is read once per tab for every upload box on a page;
// a server without attachments (or offline) leaves it unknown, and the
// server alone decides.
import { useEffect, useState } from 'react';
import type { ApiClient } from '../../api/client';
import { storageUsage } from '../../api/files';
import { shared } from '../../app/directory';
import { useServices } from '../../app/session';

export const loadStorageUsage = (api: ApiClient) => shared(api, 'storage-usage', () => storageUsage(api));

/** The largest file an upload may have; null while unknown. */
export function useUploadLimit(): number | null {
  const { api } = useServices();
  const [max, setMax] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    loadStorageUsage(api)
      .then((u) => live && setMax(typeof u.max_upload_bytes === 'number' ? u.max_upload_bytes : null))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [api]);
  return max;
}
