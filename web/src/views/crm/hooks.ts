import { useEffect, useState } from 'react';
import { customFields, listAll } from '../../api/records';
import type { Company, CustomField } from '../../api/types';
import { useServices } from '../../app/session';

/** The tenant's custom fields of a kind (not retired). */
export function useCustomFields(kind: string): CustomField[] {
  const { api } = useServices();
  const [fields, setFields] = useState<CustomField[]>([]);
  useEffect(() => {
    let live = true;
    customFields(api, kind)
      .then((f) => live && setFields(f))
      .catch(() => undefined); // no custom_fields:read: just the standard fields
    return () => {
      live = false;
    };
  }, [api, kind]);
  return fields;
}

/** Company names by id, for contact lists, filters and forms. */
export function useCompanyNames(enabled = true): Map<string, string> {
  const { api } = useServices();
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    listAll<Company>(api, 'companies', { sort: 'name' }, 1000)
      .then(({ items }) => live && setNames(new Map(items.map((c) => [c.id, c.name]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [api, enabled]);
  return names;
}
