// One proof's verdict, as the browser computed it with the funder kit's code (verify.ts).
import { Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export type Verdict =
  | { state: 'pending' }
  | { state: 'verified' }
  | { state: 'failed'; code: string; message: string };

export function VerdictTag({ verdict }: { verdict: Verdict }) {
  const { t } = useTranslation();
  if (verdict.state === 'pending') return <Tag>{t('verify.pending')}</Tag>;
  if (verdict.state === 'verified')
    return (
      <Tag color="green" data-verdict="verified">
        {t('verify.verified')}
      </Tag>
    );
  return (
    <span data-verdict="failed">
      <Tag color="red">{t('verify.failed', { code: verdict.code })}</Tag>
      <Typography.Text type="danger">{verdict.message}</Typography.Text>
    </span>
  );
}

/** The kit's Result as a verdict. */
export function verdictOf(result: { ok: true } | { ok: false; code: string; message: string }): Verdict {
  return result.ok ? { state: 'verified' } : { state: 'failed', code: result.code, message: result.message };
}
