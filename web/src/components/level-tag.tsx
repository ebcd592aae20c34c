// A detection level as a coloured tag with its translated name.
import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { DetectionLevel } from '../types.ts';

const COLOURS: Record<DetectionLevel, string> = {
  none: 'default',
  watch: 'gold',
  suspect: 'orange',
  confirmed: 'red',
};

export function LevelTag({ level }: { level: DetectionLevel }) {
  const { t } = useTranslation();
  return <Tag color={COLOURS[level] ?? 'default'}>{t(`level.${level}`)}</Tag>;
}
