// What the CRM views know about contacts and companies: their standard
// fields (mirroring src/records/schema.rs), labels, list columns, filters.
import type { KindPath } from '../../api/records';
import type { Company, Contact, RecordBase } from '../../api/types';
import type { Key } from '../../i18n';

export type FieldType = 'text' | 'long_text' | 'email' | 'url' | 'relation' | 'tags';

export interface FieldMeta {
  key: string;
  label: Key;
  type: FieldType;
  required?: boolean;
  /** For relations: the kind it points to. */
  relation?: KindPath;
  filterable?: boolean;
  sortable?: boolean;
}

export interface KindMeta {
  path: 'contacts' | 'companies';
  /** Singular, as in events and topics (`record:contact:<id>`). */
  kind: 'contact' | 'company';
  title: Key;
  plural: Key;
  newTitle: Key;
  fields: FieldMeta[];
  /** Columns of the list, by field key. */
  columns: string[];
  display(r: RecordBase): string;
}

const tags: FieldMeta = { key: 'tags', label: 'record.tags', type: 'tags', filterable: true };

export const CONTACTS: KindMeta = {
  path: 'contacts',
  kind: 'contact',
  title: 'contact.title',
  plural: 'nav.contacts',
  newTitle: 'contact.new',
  fields: [
    { key: 'first_name', label: 'contact.first_name', type: 'text', filterable: true, sortable: true },
    { key: 'last_name', label: 'contact.last_name', type: 'text', required: true, filterable: true, sortable: true },
    { key: 'email', label: 'contact.email', type: 'email', filterable: true, sortable: true },
    { key: 'phone', label: 'contact.phone', type: 'text', filterable: true },
    { key: 'title', label: 'contact.title_field', type: 'text', filterable: true },
    { key: 'company_id', label: 'contact.company_id', type: 'relation', relation: 'companies', filterable: true },
    tags,
  ],
  columns: ['name', 'email', 'phone', 'title', 'company_id'],
  display: (r) => {
    const c = r as Contact;
    return [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email || c.id;
  },
};

export const COMPANIES: KindMeta = {
  path: 'companies',
  kind: 'company',
  title: 'company.title',
  plural: 'nav.companies',
  newTitle: 'company.new',
  fields: [
    { key: 'name', label: 'company.name', type: 'text', required: true, filterable: true, sortable: true },
    { key: 'domain', label: 'company.domain', type: 'text', filterable: true },
    { key: 'industry', label: 'company.industry', type: 'text', filterable: true, sortable: true },
    { key: 'phone', label: 'company.phone', type: 'text', filterable: true },
    { key: 'website', label: 'company.website', type: 'url', filterable: true },
    { key: 'address', label: 'company.address', type: 'long_text' },
    tags,
  ],
  columns: ['name', 'industry', 'domain', 'phone', 'website'],
  display: (r) => (r as Company).name || r.id,
};

export const KINDS = { contacts: CONTACTS, companies: COMPANIES };
