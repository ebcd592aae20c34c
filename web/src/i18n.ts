// Strings (ADR 0096): i18next with one resource object per language (locales/*.ts, the same keys:
// a test walks both), zh-CN by default, English on request; the choice is remembered in
// localStorage (it is not a secret). antd's own texts follow through its zh_CN / en_US locales.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en.ts';
import { zhCN } from './locales/zh-CN.ts';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';
const LANGUAGE_ITEM = 'shoujia.dashboardLanguage';

export function storedLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_ITEM);
  return (LANGUAGES as readonly string[]).includes(stored ?? '') ? (stored as Language) : DEFAULT_LANGUAGE;
}

export function rememberLanguage(language: Language): void {
  localStorage.setItem(LANGUAGE_ITEM, language);
  document.documentElement.lang = language;
}

export async function initI18n(): Promise<typeof i18next> {
  const language = storedLanguage();
  document.documentElement.lang = language;
  await i18next.use(initReactI18next).init({
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    lng: language,
    fallbackLng: false,
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  return i18next;
}
