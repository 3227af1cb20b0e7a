// "Delete <name>?" before a record goes: one dialog for every record page.
import { useI18n } from '../../i18n';
import { Dialog } from '../../ui/Dialog';

export function ConfirmDelete({ open, name, onCancel, onDelete }: { open: boolean; name: string; onCancel(): void; onDelete(): void }) {
  const { t } = useI18n();
  return (
    <Dialog
      open={open}
      title={t('record.delete')}
      onClose={onCancel}
      role="alertdialog"
      actions={
        <>
          <button type="button" className="btn" onClick={onCancel}>
            {t('record.cancel')}
          </button>
          <button type="button" className="btn btn--danger" onClick={onDelete}>
            {t('record.delete')}
          </button>
        </>
      }
    >
      <p>{t('record.deleteConfirm', { name })}</p>
    </Dialog>
  );
}
